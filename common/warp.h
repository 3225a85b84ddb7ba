// Backward warping along a FlowField (see flow_field.h): the output pixel p
// takes the source's value at p + flow(p). Labels and confidences are
// sampled at the nearest pixel (a class id cannot be interpolated), colour
// images bilinearly. Points that fall outside the source take the nearest
// border pixel: a region's halo makes that rare where it matters.
//
//   ASSIGN_OR_RETURN(LabelMap moved, WarpNearest(key_labels, flow));
#ifndef TESSERA_COMMON_WARP_H_
#define TESSERA_COMMON_WARP_H_

#include "absl/status/statusor.h"
#include "common/flow_field.h"
#include "common/image.h"

namespace tessera {

// INVALID_ARGUMENT when the sizes of `source` and `flow` differ.
absl::StatusOr<Image> WarpNearest(const Image& source, const FlowField& flow);
absl::StatusOr<Image> WarpBilinear(const Image& source, const FlowField& flow);

// Resizes a flow field to `size`, scaling its vectors with the image.
FlowField ResizeFlow(const FlowField& flow, Size size);

}  // namespace tessera

#endif  // TESSERA_COMMON_WARP_H_
