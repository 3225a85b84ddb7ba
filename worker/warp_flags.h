// tessera-worker's flags for the flow path's warp (--warp_radius,
// --warp_colour_threshold, --warp_fill_threshold and --relocate_classes;
// worker/warp_options.h reads their values), kept out of worker/main.cc.
// Part of the tessera-worker program only: tessera-train-dn defines flags
// of the same names with fixed values instead of "auto".
//
//   ASSIGN_OR_RETURN(WarpFlags flags, WarpFromFlags(card_path));
//   ...load the decision network...
//   SettleWarp(flags.choice, network, &flags.warp);
#ifndef TESSERA_WORKER_WARP_FLAGS_H_
#define TESSERA_WORKER_WARP_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/guided_warp.h"
#include "worker/warp_options.h"

namespace tessera::worker {

struct WarpFlags {
  WarpChoice choice;  // what the flags chose, "auto" left to the network
  // The warp with the relocated classes set; its radius and thresholds are
  // settled once the network has loaded (SettleWarp).
  GuidedWarpOptions warp;
};

// The flags read before any model loads, --relocate_classes checked
// against the model's card at `card_path`. INVALID_ARGUMENT naming the flag
// for a bad value.
absl::StatusOr<WarpFlags> WarpFromFlags(const std::string& card_path);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_WARP_FLAGS_H_
