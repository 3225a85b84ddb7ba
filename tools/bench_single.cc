#include "tools/bench_single.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "absl/strings/str_format.h"
#include "client/ground_truth.h"
#include "common/frame_source.h"
#include "common/image_codec.h"
#include "common/palette.h"
#include "common/split_stitch.h"
#include "worker/decision_network.h"
#include "worker/device_profile.h"
#include "worker/flow_path.h"
#include "worker/model_card.h"
#include "worker/optical_flow.h"
#include "worker/region_processor.h"
#include "worker/segmenter.h"
#include "worker/warp_options.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

// What one process needs to run both paths, as a worker would load it.
struct Engine {
  std::shared_ptr<worker::DevicePacer> pacer;
  std::unique_ptr<worker::Segmenter> segmenter;
  std::unique_ptr<worker::OpticalFlow> flow;
  std::unique_ptr<worker::DecisionNetwork> dn;
  std::unique_ptr<worker::FlowPath> flow_path;
};

absl::StatusOr<Engine> LoadEngine(const SingleOptions& options) {
  Engine engine;
  absl::StatusOr<std::unique_ptr<worker::Segmenter>> segmenter =
      worker::CreateSegmenter(
          {.model_path = options.model, .threads = options.threads});
  if (!segmenter.ok()) return segmenter.status();
  engine.segmenter = *std::move(segmenter);
  absl::StatusOr<std::shared_ptr<worker::DevicePacer>> pacer =
      worker::EmulateDevice(options.device_profile, engine.segmenter);
  if (!pacer.ok()) return pacer.status();
  engine.pacer = *std::move(pacer);
  if (!options.flow_path) return engine;
  absl::StatusOr<std::unique_ptr<worker::DecisionNetwork>> dn =
      worker::LoadDecisionNetwork(
          worker::DecisionNetworkPathFor(options.model));
  if (!dn.ok()) return dn.status();
  engine.dn = *std::move(dn);
  absl::StatusOr<std::unique_ptr<worker::OpticalFlow>> flow =
      worker::CreateOpticalFlow({});
  if (!flow.ok()) return flow.status();
  engine.flow = *std::move(flow);
  // The warp a worker runs by default: as its network learned.
  absl::StatusOr<GuidedWarpOptions> warp = worker::WarpOptionsFor(
      worker::kDefaultWarpRadius, worker::kDefaultRelocateClasses,
      worker::ModelCardPathFor(options.model));
  if (!warp.ok()) return warp.status();
  worker::SettleWarp({}, engine.dn->spec(), &*warp);
  engine.flow_path = std::make_unique<worker::FlowPath>(
      *engine.flow, *engine.dn, engine.pacer.get(), *warp,
      engine.dn->spec().carried_warps());
  return engine;
}

absl::Status WriteLabels(const std::string& folder, int index,
                         const LabelMap& labels) {
  absl::StatusOr<std::string> png = EncodeImage(labels, Encoding::kPng);
  if (!png.ok()) return png.status();
  const std::string path = absl::StrFormat("%s/labels/%06d.png", folder, index);
  std::ofstream file(path, std::ios::binary);
  if (!(file << *png)) {
    return absl::InvalidArgumentError(absl::StrFormat("cannot write %s", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<client::StreamSummary> RunSingle(const SingleOptions& options) {
  absl::StatusOr<const Palette*> palette = PaletteByName(options.palette);
  if (!palette.ok()) return palette.status();
  absl::StatusOr<Engine> engine = LoadEngine(options);
  if (!engine.ok()) return engine.status();
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(options.source, options.max_frames);
  if (!source.ok()) return source.status();
  std::optional<client::GroundTruth> truth;
  if (!options.gt.empty()) {
    const int classes = static_cast<int>((*palette)->colors.size());
    absl::StatusOr<client::GroundTruth> opened = client::GroundTruth::Open(
        options.gt, classes, options.palette == "camvid" ? classes : 255);
    if (!opened.ok()) return opened.status();
    truth = *std::move(opened);
  }
  if (!options.output.empty()) {
    std::filesystem::create_directories(options.output + "/labels");
  }

  worker::RegionProcessor processor(*engine->segmenter, DecodeLimits{},
                                    engine->flow_path.get());
  client::StreamSummary summary;
  summary.class_names = (*palette)->class_names;
  std::vector<double> latencies;
  const Clock::time_point start = Clock::now();
  for (int index = 0;; ++index) {
    const Clock::time_point frame_start = Clock::now();
    absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
    if (!frame.ok()) return frame.status();
    if (!*frame) break;
    ++summary.frames_sent;
    const Clock::time_point split_start = Clock::now();
    absl::StatusOr<std::vector<Region>> regions =
        MakeRegionGrid((*frame)->size(), options.grid);
    if (!regions.ok()) return regions.status();
    std::vector<RegionLabels> parts;
    const std::vector<Image> crops = SplitFrame(**frame, *regions);
    summary.master_split_ms += MillisecondsSince(split_start);
    for (size_t r = 0; r < crops.size(); ++r) {
      const Image& crop = crops[r];
      worker::RegionTaskIn task;
      task.stream = "single";
      task.region = static_cast<int>(r);
      task.frame_index = static_cast<uint64_t>(index);
      task.image_bytes =
          std::string_view(reinterpret_cast<const char*>(crop.pixels.data()),
                           crop.pixels.size());
      task.encoding = Encoding::kRaw;
      task.declared = {crop.width, crop.height, 3};
      task.policy = {.allow_flow = options.flow_path && index > 0,
                     .threshold = static_cast<float>(options.threshold),
                     .max_key_age = options.max_key_age,
                     .keep_key = options.flow_path};
      task.stitched = (*regions)[r].CoreInArea();  // stitched below
      absl::StatusOr<worker::RegionResultOut> out = processor.Process(task);
      if (!out.ok()) return out.status();
      summary.worker_timings += out->timings;
      const Clock::time_point decode_start = Clock::now();
      absl::StatusOr<Image> labels = DecodeImage(
          out->labels, out->label_encoding, {out->width, out->height, 1});
      if (!labels.ok()) return labels.status();
      summary.master_stitch_ms += MillisecondsSince(decode_start);
      parts.push_back({*std::move(labels), Image()});
      (out->flow_path ? summary.regions_warped : summary.regions_segmented)++;
      (out->flow_path ? summary.flow_ms : summary.segmentation_ms) +=
          out->compute_ms;
    }
    const Clock::time_point stitch_start = Clock::now();
    absl::StatusOr<LabelMap> mask =
        StitchLabels((*frame)->size(), *regions, parts, StitchMode::kCropHalo);
    if (!mask.ok()) return mask.status();
    summary.master_stitch_ms += MillisecondsSince(stitch_start);
    latencies.push_back(MillisecondsSince(frame_start));
    ++summary.masks;
    summary.regions_per_worker["single"] += static_cast<int>(parts.size());
    if (truth) {
      if (absl::Status added = truth->Add(*mask); !added.ok()) return added;
    }
    if (!options.output.empty()) {
      if (absl::Status written = WriteLabels(options.output, index, *mask);
          !written.ok()) {
        return written;
      }
    }
  }
  summary.seconds = MillisecondsSince(start) / 1000;
  summary.SetLatencies(std::move(latencies));
  if (truth) summary.metrics = truth->Compute();
  summary.output = options.output;
  return summary;
}

}  // namespace tessera::bench
