// libFuzzer target: the region geometry. Any frame size, grid and halo a
// client may ask for either fails cleanly or gives regions that tile the
// frame (cores cover every pixel exactly once, areas hold their cores and
// stay inside), and splitting then stitching labels gives every pixel the
// label of the region whose core holds it.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/region_grid.h"
#include "common/split_stitch.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Inside(const tessera::Rect& inner, const tessera::Rect& outer) {
  return inner.x >= outer.x && inner.y >= outer.y &&
         inner.x + inner.width <= outer.x + outer.width &&
         inner.y + inner.height <= outer.y + outer.height;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  FuzzedDataProvider input(data, size);
  const Size frame{input.ConsumeIntegralInRange(-4, 300),
                   input.ConsumeIntegralInRange(-4, 300)};
  GridSpec spec;
  spec.rows = input.ConsumeIntegralInRange(-2, 40);
  spec.cols = input.ConsumeIntegralInRange(-2, 40);
  spec.halo = input.ConsumeIntegralInRange(-3, 400);
  const bool max_confidence = input.ConsumeBool();

  absl::StatusOr<std::vector<Region>> regions = MakeRegionGrid(frame, spec);
  if (!regions.ok()) return 0;
  Check(static_cast<int>(regions->size()) == spec.rows * spec.cols);
  const Rect whole{0, 0, frame.width, frame.height};
  std::vector<int> covered(static_cast<size_t>(frame.width) * frame.height);
  for (const Region& region : *regions) {
    Check(region.core.width > 0 && region.core.height > 0);
    Check(Inside(region.core, region.area));
    Check(Inside(region.area, whole));
    for (int y = region.core.y; y < region.core.y + region.core.height; ++y) {
      for (int x = region.core.x; x < region.core.x + region.core.width; ++x) {
        ++covered[static_cast<size_t>(y) * frame.width + x];
      }
    }
  }
  for (int count : covered) Check(count == 1);

  // Label each region's part with its id (and a confidence from the input)
  // and stitch: with crop-halo, every pixel names its core's region. Only
  // for grids whose parts fit in a few megapixels: a huge halo on a fine
  // grid copies the frame once per region, which is slow, not wrong.
  int64_t part_pixels = 0;
  for (const Region& region : *regions) {
    part_pixels += static_cast<int64_t>(region.area.width) * region.area.height;
  }
  if (part_pixels > 2'000'000) return 0;
  Image image = Image::Create(frame.width, frame.height, 3);
  const std::vector<Image> parts = SplitFrame(image, *regions);
  Check(parts.size() == regions->size());
  std::vector<RegionLabels> labels;
  for (size_t i = 0; i < parts.size(); ++i) {
    Check(parts[i].width == (*regions)[i].area.width);
    Check(parts[i].height == (*regions)[i].area.height);
    RegionLabels part;
    part.labels = Image::Create(parts[i].width, parts[i].height, 1);
    std::fill(part.labels.pixels.begin(), part.labels.pixels.end(),
              static_cast<uint8_t>(i));
    part.confidence = Image::Create(parts[i].width, parts[i].height, 1);
    std::fill(part.confidence.pixels.begin(), part.confidence.pixels.end(),
              input.ConsumeIntegral<uint8_t>());
    labels.push_back(std::move(part));
  }
  absl::StatusOr<LabelMap> mask = StitchLabels(
      frame, *regions, labels,
      max_confidence ? StitchMode::kMaxConfidence : StitchMode::kCropHalo);
  Check(mask.ok());
  Check(mask->width == frame.width && mask->height == frame.height);
  if (!max_confidence && regions->size() <= 256) {
    for (const Region& region : *regions) {
      const Rect& c = region.core;
      Check(mask->at(c.x, c.y)[0] == static_cast<uint8_t>(region.id));
      Check(mask->at(c.x + c.width - 1, c.y + c.height - 1)[0] ==
            static_cast<uint8_t>(region.id));
    }
  }
  return 0;
}
