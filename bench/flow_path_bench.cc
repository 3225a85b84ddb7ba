// The flow path's steps per region on this CPU, on real content: one 2x2
// region with its 64-pixel halo (304x244, the master's default cut of a
// 480x360 frame) of consecutive frames of a generated clip (seed 600, the
// DVS sweep's clip), the key labels being the generator's. Times the DIS
// flow, the decision features, the guided warp at radius 5 without
// relocation and with poles relocated, the guided warp at several search
// shapes (BM_GuidedWarpRadius), and the whole path as the worker
// runs it (estimate, then warp, at the shipped network's radius) on the
// whole region and on the stitched core's window. Each iteration takes
// the next of 24 frame pairs, so moving and still content both count.
//
//   build/bench/flow_path_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/guided_warp.h"
#include "common/split_stitch.h"
#include "tools/synth_scene.h"
#include "tools/synth_world.h"
#include "worker/decision_features.h"
#include "worker/decision_network.h"
#include "worker/flow_path.h"
#include "worker/optical_flow.h"
#include "worker/warp_options.h"

namespace tessera {
namespace {

constexpr int kPairs = 24;

struct RegionPair {
  worker::KeyFrame key;  // frame t - 1
  Image current;         // frame t
};

// The top-left region of frames 12..12 + kPairs: the kerb with its poles
// and pedestrians passes through it.
const std::vector<RegionPair>& Pairs() {
  static const std::vector<RegionPair>* pairs = [] {
    auto* out = new std::vector<RegionPair>;
    absl::StatusOr<std::unique_ptr<tools::SynthScene>> scene =
        tools::SynthScene::Create({.width = 480,
                                   .height = 360,
                                   .frames = 13 + kPairs,
                                   .seed = 600,
                                   .scene_cut_every = 60});
    if (!scene.ok()) return out;
    const Rect area{0, 0, 304, 244};
    std::vector<tools::SynthFrame> frames;
    for (int i = 0; i < 13 + kPairs; ++i) {
      absl::StatusOr<tools::SynthFrame> frame = (*scene)->Next();
      if (!frame.ok()) return out;
      frames.push_back(*std::move(frame));
    }
    for (int t = 13; t < 13 + kPairs; ++t) {
      RegionPair pair;
      pair.key.frame_index = t - 1;
      pair.key.image = CropImage(frames[t - 1].image, area);
      pair.key.labels = CropImage(frames[t - 1].labels, area);
      pair.key.confidence = Image::Create(area.width, area.height, 1);
      std::fill(pair.key.confidence.pixels.begin(),
                pair.key.confidence.pixels.end(), 230);
      pair.current = CropImage(frames[t].image, area);
      out->push_back(std::move(pair));
    }
    return out;
  }();
  return *pairs;
}

// Generates the pairs before the timing starts; false (and the benchmark
// skipped) when the generator failed.
bool PairsReady(benchmark::State& state) {
  if (Pairs().size() == kPairs) return true;
  state.SkipWithError("cannot generate the clip's frames");
  return false;
}

std::unique_ptr<worker::OpticalFlow> Dis() {
  return *worker::CreateOpticalFlow({.backend = "dis"});
}

// Each pair's DIS flow, for the steps that follow it.
std::vector<FlowField> PairFlows() {
  std::unique_ptr<worker::OpticalFlow> flow = Dis();
  std::vector<FlowField> flows;
  for (const RegionPair& pair : Pairs()) {
    flows.push_back(*flow->Compute(pair.current, pair.key.image));
  }
  return flows;
}

// The warp at the radius of a network that records none (5; BM_FlowPath
// takes the shipped network's, as a worker does), before FlowPath::Warp
// scales it to the frames a warp spans.
GuidedWarpOptions WorkerWarp(bool relocate) {
  GuidedWarpOptions options;
  options.radius = worker::kDefaultWarpRadius;
  if (relocate) options.relocation.labels = {tools::synth::kPole};
  return options;
}

void BM_DisFlow(benchmark::State& state) {
  if (!PairsReady(state)) return;
  std::unique_ptr<worker::OpticalFlow> flow = Dis();
  size_t i = 0;
  for (auto _ : state) {
    const RegionPair& pair = Pairs()[i++ % kPairs];
    benchmark::DoNotOptimize(flow->Compute(pair.current, pair.key.image));
  }
}
BENCHMARK(BM_DisFlow)->Unit(benchmark::kMillisecond);

void BM_DecisionFeatures(benchmark::State& state) {
  if (!PairsReady(state)) return;
  const std::vector<FlowField> flows = PairFlows();
  size_t i = 0;
  for (auto _ : state) {
    const RegionPair& pair = Pairs()[i % kPairs];
    benchmark::DoNotOptimize(worker::ComputeDecisionFeatures(
        pair.current, pair.key.image, pair.key.confidence, flows[i++ % kPairs],
        1));
  }
}
BENCHMARK(BM_DecisionFeatures)->Unit(benchmark::kMillisecond);

// Times the guided warp with `options` over the frame pairs.
void TimeGuidedWarp(benchmark::State& state, const GuidedWarpOptions& options) {
  if (!PairsReady(state)) return;
  const std::vector<FlowField> flows = PairFlows();
  size_t i = 0;
  for (auto _ : state) {
    const RegionPair& pair = Pairs()[i % kPairs];
    benchmark::DoNotOptimize(WarpLabelsGuided(pair.key.image, pair.key.labels,
                                              pair.key.confidence, pair.current,
                                              flows[i++ % kPairs], options));
  }
}

// Arg: 0 relocates nothing (the worker's default), 1 relocates poles.
void BM_GuidedWarp(benchmark::State& state) {
  // Between consecutive frames, as the worker's carried warps run.
  TimeGuidedWarp(state, WorkerWarp(state.range(0) != 0).ForFrames(1));
}
BENCHMARK(BM_GuidedWarp)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The same warp, nothing relocated, at other search radii (Args: across,
// up and down; common/search_radius.h): what a wider search costs.
void BM_GuidedWarpRadius(benchmark::State& state) {
  GuidedWarpOptions options = WorkerWarp(false).ForFrames(1);
  options.radius = {static_cast<int>(state.range(0)),
                    static_cast<int>(state.range(1))};
  TimeGuidedWarp(state, options);
}
BENCHMARK(BM_GuidedWarpRadius)
    ->ArgNames({"across", "up_down"})
    ->Args({3, 3})
    ->Args({7, 7})
    ->Args({11, 3})
    ->Args({11, 5})
    ->Args({10, 7})
    ->Args({11, 7})
    ->Args({15, 5})
    ->Unit(benchmark::kMillisecond);

// The shipped synth decision network, or null with the benchmark skipped.
std::unique_ptr<worker::DecisionNetwork> ShippedNetwork(
    benchmark::State& state) {
  absl::StatusOr<std::unique_ptr<worker::DecisionNetwork>> network =
      worker::LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) +
                                  "/synth.dn.json");
  if (!network.ok()) {
    state.SkipWithError(std::string(network.status().message()).c_str());
    return nullptr;
  }
  return *std::move(network);
}

// The warp the shipped network learned, without (0) and with (1) the fill
// of what its colour search leaves mismatched (common/mismatch_fill.h):
// what the fill costs. A network that fills nothing times the fill at its
// default threshold.
void BM_GuidedWarpFill(benchmark::State& state) {
  const std::unique_ptr<worker::DecisionNetwork> network =
      ShippedNetwork(state);
  if (network == nullptr) return;
  GuidedWarpOptions options = WorkerWarp(false);
  worker::SettleWarp({}, network->spec(), &options);
  if (state.range(0) == 0) {
    options.fill_threshold = kNoFill;
  } else if (options.fill_threshold == kNoFill) {
    options.fill_threshold = kDefaultFillThreshold;
  }
  state.SetLabel(absl::StrFormat(
      "radius %s, colour threshold %d, fill threshold %s",
      SearchRadiusText(options.radius), options.colour_threshold,
      worker::FillThresholdText(options.fill_threshold)));
  TimeGuidedWarp(state, options.ForFrames(1));
}
BENCHMARK(BM_GuidedWarpFill)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Flow, features, the network's score and the warp, as a worker that warps
// the region runs them: on the whole region (0), or (1) on the window the
// shipped network was trained on (worker/flow_window.h: the stitched
// 240x180 core of this corner region and a margin).
void BM_FlowPath(benchmark::State& state) {
  if (!PairsReady(state)) return;
  std::unique_ptr<worker::OpticalFlow> flow = Dis();
  const std::unique_ptr<worker::DecisionNetwork> network =
      ShippedNetwork(state);
  if (network == nullptr) return;
  // The worker's default warp: as the network learned, nothing relocated.
  GuidedWarpOptions warp = WorkerWarp(false);
  worker::SettleWarp({}, network->spec(), &warp);
  worker::FlowPath path(*flow, *network, nullptr, warp);
  const Size region = Pairs().front().current.size();
  const Rect window = state.range(0) == 1
                          ? path.WindowFor(region, {0, 0, 240, 180})
                          : Rect{0, 0, region.width, region.height};
  state.SetLabel(absl::StrFormat("%dx%d", window.width, window.height));
  size_t i = 0;
  for (auto _ : state) {
    const RegionPair& pair = Pairs()[i++ % kPairs];
    absl::StatusOr<worker::FlowEstimate> estimate =
        path.Estimate(pair.current, pair.key, 1, window);
    if (!estimate.ok()) {
      state.SkipWithError(std::string(estimate.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(path.Warp(pair.current, pair.key, *estimate, 1));
  }
}
BENCHMARK(BM_FlowPath)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
