// The part of a region the flow path works on. The master stitches only a
// region's core into the frame (crop-halo stitching); the halo around it is
// there for the segmentation network's receptive field, which a warp does
// not have. So the flow, the decision network's features and the warp run
// on the stitched part grown by a margin, a third fewer pixels than the
// whole region for the demo grid. The margin is for the next carried warp,
// which looks up labels as far outside the core as the region moved in one
// frame. Beyond the window the labels stay those of the frame warped from:
// the master never shows them.
//
//   const Rect window = FlowWindow(region.size(), task.stitched, 16);
//   Image crop;
//   const Image& part = InWindow(region, window, crop);
//   ...warp the part...
//   LabelMap labels = PasteWindow(source.labels, warped_part, window);
#ifndef TESSERA_WORKER_FLOW_WINDOW_H_
#define TESSERA_WORKER_FLOW_WINDOW_H_

#include <string>

#include "common/image.h"

namespace tessera::worker {

// The largest margin a decision network may ask for: more than any region.
inline constexpr int kMaxWindowMargin = 8192;

// `stitched` grown by `margin` on each side, clipped to the region. The
// whole region when `margin` is negative (a network trained on whole
// regions) or `stitched` is empty or outside the region (a master that
// stitches all of it, or sent none).
Rect FlowWindow(Size region, const Rect& stitched, int margin);

// True when `window` is all of an image of `size`: nothing to crop.
bool CoversWhole(const Rect& window, Size size);
// True when `window` is not empty and lies inside an image of `size`.
bool InsideOf(const Rect& window, Size size);

// `image` inside `window` (which must lie inside it): the image itself when
// the window covers it or it is empty (an absent confidence map stays
// absent), else a copy of that part made in `crop`.
const Image& InWindow(const Image& image, const Rect& window, Image& crop);

// `base` with `part` (`window`'s size, the same channels) copied over
// `window`; an empty `base` (no confidence map) stays empty.
Image PasteWindow(const Image& base, const Image& part, const Rect& window);

// "whole regions" or "each region's stitched core and N px around it",
// for logs and messages.
std::string DescribeFlowWindow(int margin);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_FLOW_WINDOW_H_
