// Split + stitch of a 1920x1080 frame (2x2 grid, 64 px halo) beside a plain
// memcpy of the same bytes, in the same run.
//
//   build/bench/split_stitch_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstring>

#include "common/allocator_tuning.h"
#include "common/region_grid.h"
#include "common/split_stitch.h"

namespace tessera {
namespace {

constexpr Size kFrame{1920, 1080};
constexpr GridSpec kGrid{2, 2, 64};

Image Frame(int channels) {
  Image image = Image::Create(kFrame.width, kFrame.height, channels);
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = static_cast<uint8_t>(i * 31);
  }
  return image;
}

// The bytes split + stitch move: the RGB frame out, the label mask back.
size_t FrameBytes() {
  return static_cast<size_t>(kFrame.width) * kFrame.height * (3 + 1);
}

void BM_Memcpy(benchmark::State& state) {
  std::vector<uint8_t> from(FrameBytes(), 1);
  std::vector<uint8_t> to(FrameBytes());
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), from.size());
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * FrameBytes());
}
BENCHMARK(BM_Memcpy);

void BM_SplitStitch(benchmark::State& state) {
  KeepLargeAllocations();  // as tessera-master does
  const StitchMode mode = static_cast<StitchMode>(state.range(0));
  const Image frame = Frame(3);
  const LabelMap mask = Frame(1);
  const std::vector<Region> regions = *MakeRegionGrid(kFrame, kGrid);
  // Region label maps as workers would return them.
  std::vector<RegionLabels> parts;
  for (const Region& region : regions) {
    parts.push_back(
        {CropImage(mask, region.area), CropImage(mask, region.area)});
  }
  for (auto _ : state) {
    std::vector<Image> split = SplitFrame(frame, regions);
    benchmark::DoNotOptimize(split.data());
    absl::StatusOr<LabelMap> stitched =
        StitchLabels(kFrame, regions, parts, mode);
    benchmark::DoNotOptimize(stitched->pixels.data());
  }
  state.SetBytesProcessed(state.iterations() * FrameBytes());
  state.SetLabel(mode == StitchMode::kCropHalo ? "crop-halo"
                                               : "max-confidence");
}
BENCHMARK(BM_SplitStitch)
    ->Arg(static_cast<int>(StitchMode::kCropHalo))
    ->Arg(static_cast<int>(StitchMode::kMaxConfidence));

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
