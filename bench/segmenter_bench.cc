// Segmentation-path cost per region on this CPU (one intra-op thread, as
// the demo's workers run): the shipped CamVid model on a whole 480x360 frame
// and on one 2x2 region of it, the hand-built palette model (1x1 conv) and
// the random 3-layer FCN used by the tests, at the worker's probe size.
//
//   build/bench/segmenter_bench
#include <benchmark/benchmark.h>

#include <filesystem>

#include "common/allocator_tuning.h"
#include "tools/test_models.h"
#include "worker/segmenter.h"

namespace tessera {
namespace {

std::unique_ptr<worker::Segmenter> Load(const std::string& kind) {
  KeepLargeAllocations();  // as tessera-worker does
  if (kind == "camvid") {
    return *worker::CreateSegmenter(
        {.model_path = std::string(TESSERA_MODELS_DIR) + "/camvid.pt",
         .threads = 1});
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
BENCHMARK_CAPTURE(BM_Segment, random_fcn, std::string("random"))
    ->Args({512, 288, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
