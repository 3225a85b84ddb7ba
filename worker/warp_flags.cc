#include "worker/warp_flags.h"

#include "absl/flags/flag.h"
#include "common/status_macros.h"

ABSL_FLAG(std::string, warp_radius, "auto",
          "the flow path's warp: a pixel whose warped colour disagrees with "
          "the region's takes the label of the closest-coloured key pixel "
          "within this many pixels, 0..16 (0: plain nearest-pixel warp), or "
          "ACROSSxUPDOWN such as 10x7 | auto (the radius the decision "
          "network was trained with; 5 for a network that does not say)");
ABSL_FLAG(std::string, warp_colour_threshold, "auto",
          "the flow path's warp looks for a pixel's match where its warped "
          "colour differs from the current pixel's by more than this, L1 "
          "over RGB, 0..765 | auto (the threshold the decision network was "
          "trained with; 20 for a network that does not say)");
ABSL_FLAG(std::string, warp_fill_threshold, "auto",
          "after the colour search, a pixel whose colour still differs from "
          "its match by more than this, L1 over RGB, takes the label of a "
          "like-coloured neighbour in the current frame: 0..765 | off | "
          "auto (as the decision network was trained; off for a network "
          "that does not say)");
ABSL_FLAG(std::string, relocate_classes,
          tessera::worker::kDefaultRelocateClasses,
          "the flow path's warp then searches the key's objects of these "
          "classes again, 8 px for each frame the warp spans (at most 32) "
          "around where the flow put them, and moves them there: none (the "
          "default: on carried warps it cost time and gained nothing, "
          "BENCHMARKS.md) | auto (Pole, where the model has that class) | "
          "class names, comma-separated");

namespace tessera::worker {

absl::StatusOr<WarpFlags> WarpFromFlags(const std::string& card_path) {
  WarpFlags flags;
  ASSIGN_OR_RETURN(flags.choice,
                   ParseWarpChoice(absl::GetFlag(FLAGS_warp_radius),
                                   absl::GetFlag(FLAGS_warp_colour_threshold),
                                   absl::GetFlag(FLAGS_warp_fill_threshold)));
  ASSIGN_OR_RETURN(
      flags.warp,
      WarpOptionsFor(flags.choice.radius.value_or(kDefaultWarpRadius),
                     absl::GetFlag(FLAGS_relocate_classes), card_path));
  return flags;
}

}  // namespace tessera::worker
