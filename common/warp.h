// Backward warping along a FlowField (see flow_field.h): the output pixel p
// takes the source's value at p + flow(p). Labels and confidences are
// sampled at the nearest pixel (a class id cannot be interpolated), colour
// images bilinearly. Points that fall outside the source take the nearest
// border pixel: a region's halo makes that rare where it matters.
//
//   ASSIGN_OR_RETURN(LabelMap moved, WarpNearest(key_labels, flow));
#ifndef TESSERA_COMMON_WARP_H_
#define TESSERA_COMMON_WARP_H_

#include <algorithm>

#include "absl/status/statusor.h"
#include "common/flow_field.h"
#include "common/image.h"

namespace tessera {

// INVALID_ARGUMENT when the sizes of `source` and `flow` differ.
absl::StatusOr<Image> WarpNearest(const Image& source, const FlowField& flow);
absl::StatusOr<Image> WarpBilinear(const Image& source, const FlowField& flow);

// The source pixel a backward warp takes for coordinate `at` moved by `v`
// along one axis of a `size`-pixel image: rounded half up (floor(p + 0.5),
// the same as std::lround for every position a flow can point to), then
// clamped to the image. Truncation stands in for floor: the two differ only
// below 0, where the clamp makes both 0, and truncation is one instruction
// where floor, on baseline x86-64, is several; every warp runs this for
// each pixel.
inline int NearestSourcePixel(int at, float v, int size) {
  const float p = static_cast<float>(at) + v + 0.5f;
  return std::clamp(static_cast<int>(p), 0, size - 1);
}

// Resizes a flow field to `size`, scaling its vectors with the image.
FlowField ResizeFlow(const FlowField& flow, Size size);

}  // namespace tessera

#endif  // TESSERA_COMMON_WARP_H_
