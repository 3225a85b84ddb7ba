// Moving thin objects (poles) that the flow lost back to where they are.
//
// A fast flow (DIS ultrafast) follows the surfaces behind a pole, a few
// pixels wide, rather than the pole: after two or more frames the warped
// pole sits where the pole was, and the guided warp (common/guided_warp.h),
// which looks only a few pixels around, cannot find it. Here each connected
// object of the chosen classes in the key is searched for again in the
// current region, by its colour (the sum of squared differences over the
// object's pixels) within `search` pixels of where the flow put it, unless
// its colours already match there. Where the best match costs less than
// `ratio` of the flow's place, and less than `max_cost`, the object is
// drawn at the match with its key labels and confidence, and the pixels it
// left take the label of their nearest other pixel in the row. Translation
// only. On generated clips this raised pole IoU from 22 to 57 % at key age 4
// (BENCHMARKS.md, "Where the warp loses"), and mIoU by 1.6-1.9 points at
// the default threshold ("Poles relocated in the worker"); signs, which
// move with their pole but look like what is around them, lost IoU the
// same way, so the classes to move are a choice (--relocate_classes).
// Off by default since warps are carried frame to frame: each step then
// moves a pole little, and relocating gained nothing there for 0.5-0.7 ms a
// region ("Keys at most three frames old, poles left where the flow puts
// them").
//
//   RelocationOptions options{.labels = {kPole}};
//   RETURN_IF_ERROR(RelocateThinObjects(key_image, key_labels, key_conf,
//                                       current, sources, options, warped));
#ifndef TESSERA_COMMON_THIN_RELOCATION_H_
#define TESSERA_COMMON_THIN_RELOCATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "common/image.h"

namespace tessera {

inline constexpr int kMaxRelocationSearch = 128;

struct RelocationOptions {
  std::vector<uint8_t> labels;  // classes whose objects move; empty: none
  int search = 32;              // pixels either way around the flow's place
  // A warp across several frames searches this many pixels for each, up to
  // `search` (GuidedWarpOptions::ForFrames; 0: always `search`). A warp
  // carried on from the frame before follows one frame of motion, and a
  // wider search there finds other things more often than the lost object:
  // on the generated clip 8 pixels lost fewer points than 32 at key ages
  // 1-4, and took a tenth of the places to try.
  int search_per_frame = 8;
  double ratio = 0.7;  // move only when this much better, 0..1
  // Mean squared colour difference per channel above which a match is no
  // match (the object left the region or is hidden).
  double max_cost = 400;
  // Mean squared colour difference per channel at or below which the
  // object is taken to be where the flow put it, and not searched for.
  double settled_cost = 64;
  int min_area = 6;  // smaller objects are noise, not worth a search
};

// The warped labels and confidence (the current region's size) to mend.
struct WarpedLabels {
  Image& labels;
  Image& confidence;  // may be empty
};

// `sources[y * width + x]` is the key pixel (y * width + x) the flow points
// to from current pixel (x, y). INVALID_ARGUMENT when sizes or options are
// out of range; the warped labels are unchanged then.
absl::Status RelocateThinObjects(const Image& key_image,
                                 const Image& key_labels,
                                 const Image& key_confidence,
                                 const Image& current,
                                 const std::vector<int32_t>& sources,
                                 const RelocationOptions& options,
                                 WarpedLabels warped);

}  // namespace tessera

#endif  // TESSERA_COMMON_THIN_RELOCATION_H_
