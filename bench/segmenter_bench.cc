// Segmentation-path cost per region on this CPU (one intra-op thread, as
// the demo's workers run): the shipped CamVid and synth models on a whole
// 480x360 frame and on one 2x2 region of it, the hand-built palette model
// (1x1 conv) and the random 3-layer FCN used by the tests, at the worker's
// probe size. TESSERA_BENCH_MODELS=DIR adds every DIR/*.pt (with its card)
// at the card's fixed input size, or 480x360 when the card takes any size:
// the resolution x width study of tools/train/pareto.py uses that.
//
//   build/bench/segmenter_bench
//   TESSERA_BENCH_MODELS=out/pareto build/bench/segmenter_bench
//       --benchmark_filter=dir/ --benchmark_format=json
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "common/allocator_tuning.h"
#include "tools/test_models.h"
#include "worker/model_card.h"
#include "worker/segmenter.h"

namespace tessera {
namespace {

// `kind`: a shipped model's name, "palette", "random", or a .pt path.
std::unique_ptr<worker::Segmenter> Load(const std::string& kind) {
  KeepLargeAllocations();  // as tessera-worker does
  if (kind == "camvid" || kind == "synth" || absl::EndsWith(kind, ".pt")) {
    const std::string path =
        absl::EndsWith(kind, ".pt")
            ? kind
            : std::string(TESSERA_MODELS_DIR) + "/" + kind + ".pt";
    absl::StatusOr<std::unique_ptr<worker::Segmenter>> loaded =
        worker::CreateSegmenter({.model_path = path, .threads = 1});
    if (!loaded.ok()) return nullptr;
    return *std::move(loaded);
  }
  const std::string path =
      (std::filesystem::temp_directory_path() / ("bench-" + kind + ".pt"))
          .string();
  absl::Status written = kind == "palette" ? tools::WritePaletteModel(path)
                                           : tools::WriteRandomModel(path, {});
  if (!written.ok()) return nullptr;
  return *worker::CreateSegmenter({.model_path = path, .threads = 1});
}

void BM_Segment(benchmark::State& state, const std::string& kind) {
  std::unique_ptr<worker::Segmenter> segmenter = Load(kind);
  if (segmenter == nullptr) {
    state.SkipWithError(("cannot load " + kind).c_str());
    return;
  }
  const bool confidence = state.range(2) != 0;
  Image region = Image::Create(state.range(0), state.range(1), 3);
  for (size_t i = 0; i < region.pixels.size(); ++i) {
    region.pixels[i] = static_cast<uint8_t>(i * 7);
  }
  for (auto _ : state) {
    absl::StatusOr<worker::Segmentation> out =
        segmenter->Segment(region, confidence);
    benchmark::DoNotOptimize(out->labels.pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Segment, palette, std::string("palette"))
    ->Args({512, 288, 0})
    ->Args({512, 288, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Segment, camvid, std::string("camvid"))
    ->Args({480, 360, 0})
    ->Args({304, 244, 0})  // a 2x2 region of 480x360 with a 32 px halo
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Segment, synth, std::string("synth"))
    ->Args({480, 360, 0})
    ->Args({304, 244, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Segment, random_fcn, std::string("random"))
    ->Args({512, 288, 0})
    ->Unit(benchmark::kMillisecond);

// One benchmark per model in $TESSERA_BENCH_MODELS, named dir/<stem>, at the
// size the model runs whole frames at.
void RegisterModelsIn(const char* folder) {
  if (folder == nullptr || *folder == 0) return;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() != ".pt") continue;
    absl::StatusOr<v1::ModelCard> card =
        worker::LoadModelCard(worker::ModelCardPathFor(entry.path().string()));
    if (!card.ok()) continue;
    const int width = card->input_width() > 0 ? card->input_width() : 480;
    const int height = card->input_height() > 0 ? card->input_height() : 360;
    benchmark::RegisterBenchmark(
        ("dir/" + entry.path().stem().string()).c_str(), BM_Segment,
        entry.path().string())
        ->Args({width, height, 0})
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  tessera::RegisterModelsIn(std::getenv("TESSERA_BENCH_MODELS"));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
