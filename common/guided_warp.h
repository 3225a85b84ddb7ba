// Warping a key's labels along optical flow, with each pixel whose warped
// colour disagrees with the current frame's looked up again nearby.
//
// A fast flow (DIS ultrafast) is right on large surfaces and wrong by a few
// pixels on thin and small things (poles, signs, people), the classes that
// warping costs most mIoU. Where the key's colour at p + flow(p) differs
// from the current pixel's by more than `colour_threshold` (L1 over RGB),
// the pixel takes the label (and confidence) of the key pixel within
// `radius` (common/search_radius.h) whose colour is closest, each step away
// costing `step_cost` (only where the key has more than one label within
// `radius`: elsewhere the label could not change, and the confidence stays
// the flow's).
// On generated clips this recovered 4-5 of the 5-9 mIoU points a plain warp
// loses to segmentation at key ages 1-4 (BENCHMARKS.md, issue 4). Pixels
// whose colour still disagrees then take the label of a like-coloured
// neighbour in the current frame (common/mismatch_fill.h): what the key
// hid has no match in it. Objects of the classes `relocation` names are
// then searched for again further away (common/thin_relocation.h).
//
//   ASSIGN_OR_RETURN(GuidedWarp w, WarpLabelsGuided(key_image, key_labels,
//                                      key_confidence, current, flow, {}));
#ifndef TESSERA_COMMON_GUIDED_WARP_H_
#define TESSERA_COMMON_GUIDED_WARP_H_

#include "absl/status/statusor.h"
#include "common/flow_field.h"
#include "common/image.h"
#include "common/mismatch_fill.h"
#include "common/search_radius.h"
#include "common/thin_relocation.h"

namespace tessera {

inline constexpr int kMaxGuidedWarpRadius = 16;
// How far a warped pixel's colour may differ from the current pixel's, L1
// over RGB, before its match is searched for (near a key label edge: see
// above): 0 searches wherever the two differ at all, the maximum nowhere.
// The default is also the threshold of decision networks that record none
// (worker::LearnedColourThreshold).
inline constexpr int kDefaultColourThreshold = 20;
inline constexpr int kMaxColourThreshold = 3 * 255;

// A fill threshold that fills nothing: no colour difference exceeds it.
inline constexpr int kNoFill = kMaxColourThreshold;

constexpr bool ColourThresholdInRange(int threshold) {
  return threshold >= 0 && threshold <= kMaxColourThreshold;
}

struct GuidedWarpOptions {
  // 0: a plain nearest-pixel warp. Each of x and y 0..kMaxGuidedWarpRadius.
  // Workers warp with the radius their decision network learned
  // (worker::SettleWarp), tessera-train-dn with its --warp_radius.
  SearchRadius radius = 3;
  // 0..kMaxColourThreshold. Workers warp with the threshold their decision
  // network learned (worker::SettleWarp), as with the radius.
  int colour_threshold = kDefaultColourThreshold;
  int step_cost = 4;  // per pixel of |dx| + |dy| from the flow's point, 0..765
  // Pixels whose colour differs from their warped source's by more than
  // this after the search are relabelled from the current frame
  // (common/mismatch_fill.h); 0..kMaxColourThreshold, where the maximum
  // (kNoFill, the default: what networks that record none learned)
  // relabels none. Workers fill as their decision network learned
  // (worker::SettleWarp), as with the radius; tessera-train-dn fills at
  // kDefaultFillThreshold unless told otherwise. Each filled pixel's
  // neighbour is within `fill_similarity`, which networks do not record:
  // changing it would leave theirs uncalibrated.
  int fill_threshold = kNoFill;
  int fill_similarity = kDefaultFillSimilarity;  // 0..kMaxColourThreshold
  // Relocation runs after the fill and may redraw pixels the fill settled.
  RelocationOptions relocation;  // no classes: nothing relocated

  // These options for a warp from a frame `frames` frames before the
  // current one (at least 1): objects are searched for as far as they can
  // have moved, relocation.search_per_frame pixels a frame.
  GuidedWarpOptions ForFrames(int frames) const;
};

struct GuidedWarp {
  Image labels;
  Image confidence;        // empty when the key has none
  double moved_share = 0;  // pixels whose source moved off the flow's point
};

// INVALID_ARGUMENT when the images, labels, confidence (if not empty) and
// flow differ in size, or the images are not RGB, or an option is out of
// range.
absl::StatusOr<GuidedWarp> WarpLabelsGuided(const Image& key_image,
                                            const Image& key_labels,
                                            const Image& key_confidence,
                                            const Image& current,
                                            const FlowField& flow,
                                            const GuidedWarpOptions& options);

}  // namespace tessera

#endif  // TESSERA_COMMON_GUIDED_WARP_H_
