// Cutting a frame into its regions and pasting region label maps back into a
// full-frame mask.
//
//   std::vector<Image> parts = SplitFrame(frame, regions);
//   ... segment each part into parts_labels[i] ...
//   ASSIGN_OR_RETURN(LabelMap mask,
//                    StitchLabels(frame.size(), regions, parts_labels,
//                                 StitchMode::kCropHalo));
#ifndef TESSERA_COMMON_SPLIT_STITCH_H_
#define TESSERA_COMMON_SPLIT_STITCH_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/image.h"
#include "common/region_grid.h"

namespace tessera {

enum class StitchMode {
  // Each pixel takes the label of the region whose core holds it. With a halo
  // at least the network's receptive field this equals whole-frame labels.
  kCropHalo,
  // DVSNet: pixels covered by one region take its label; in overlap bands the
  // region with the higher confidence wins (ties: lower region id).
  kMaxConfidence,
};

// The segmentation of one region, sized like the region's area.
struct RegionLabels {
  LabelMap labels;   // 1 channel
  Image confidence;  // 1 channel, 0..255; required for kMaxConfidence only
};

// Copies `area` out of `image` (any channel count). `area` must lie inside.
Image CropImage(const Image& image, const Rect& area);

// One crop per region, in region order.
std::vector<Image> SplitFrame(const Image& frame,
                              const std::vector<Region>& regions);

// Fails with INVALID_ARGUMENT when the number of parts differs from the number
// of regions, a part's size differs from its region's area, a part is not one
// channel, or kMaxConfidence lacks a confidence map.
absl::StatusOr<LabelMap> StitchLabels(Size frame,
                                      const std::vector<Region>& regions,
                                      const std::vector<RegionLabels>& parts,
                                      StitchMode mode);

}  // namespace tessera

#endif  // TESSERA_COMMON_SPLIT_STITCH_H_
