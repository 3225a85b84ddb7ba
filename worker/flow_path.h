// DVSNet's flow path for one region: optical flow from the current region
// to its key, the decision network's score for warping, and the warp of the
// key's labels and confidence itself. Estimate is the cheap question ("would
// warping be good enough?"); Warp is only run when the answer is yes. The
// "key" may also be a carried frame (worker/local_key_buffer.h) when the
// path carries its warps.
//
//   FlowPath path(*flow, *decision_network);
//   const Rect window = path.WindowFor(region.size(), task.stitched);
//   ASSIGN_OR_RETURN(FlowEstimate e,
//                    path.Estimate(region, *key, age, window));
//   if (e.score >= threshold)
//     ASSIGN_OR_RETURN(WarpedKey w, path.Warp(region, *key, e, frames));
#ifndef TESSERA_WORKER_FLOW_PATH_H_
#define TESSERA_WORKER_FLOW_PATH_H_

#include <atomic>

#include "absl/status/statusor.h"
#include "common/flow_field.h"
#include "common/guided_warp.h"
#include "common/image.h"
#include "worker/decision_features.h"
#include "worker/decision_network.h"
#include "worker/device_profile.h"
#include "worker/local_key_buffer.h"
#include "worker/optical_flow.h"

namespace tessera::worker {

struct FlowEstimate {
  // The part of the region it was made on (worker/flow_window.h).
  Rect window;
  FlowField flow;  // current -> key, at the window's size
  DecisionFeatures features;
  float score = 0;  // percent of pixels predicted to agree
  // Wall time of the two steps (with an emulated device's padding).
  double flow_ms = 0;
  double decision_ms = 0;
};

// At the region's size: outside the estimate's window the labels and
// confidence are the key's own, unwarped.
struct WarpedKey {
  LabelMap labels;
  Image confidence;  // empty when the key has none
};

class FlowPath {
 public:
  // With a `pacer`, the flow, the decision and the warp take at least the
  // emulated device's time for each (worker/device_profile.h). The warp
  // looks pixels up again as `warp` says (common/guided_warp.h). With
  // `carry_warps`, a region is warped from the newest frame warped from its
  // key where there is one (the decision network must have learned so:
  // v1::DecisionNetwork::carried_warps).
  FlowPath(OpticalFlow& flow, const DecisionNetwork& network,
           DevicePacer* pacer = nullptr, GuidedWarpOptions warp = {},
           bool carry_warps = false)
      : flow_(flow),
        network_(network),
        pacer_(pacer),
        warp_(warp),
        carry_warps_(carry_warps) {}

  // The part of a region of `region` size to estimate and warp, for a task
  // whose master stitches only `stitched` of it (empty: all of it): grown
  // by the margin the decision network was trained with, or all of it for
  // a network trained on whole regions. Logs once when a network trained
  // on windows meets a task that names no stitched part.
  Rect WindowFor(Size region, const Rect& stitched) const;
  // Works on `window` of the region (WindowFor; the whole region when
  // empty). INVALID_ARGUMENT when the key's image or confidence is not the
  // region's size or the window is not inside it.
  absl::StatusOr<FlowEstimate> Estimate(const Image& current,
                                        const KeyFrame& key, int key_age,
                                        const Rect& window = {});
  // `current` is the region the estimate was made for, `frames` after the
  // key's (or carried frame's) frame: objects the flow lost are searched
  // for as far as they can have moved since (GuidedWarpOptions::ForFrames).
  // Only the estimate's window is warped.
  absl::StatusOr<WarpedKey> Warp(const Image& current, const KeyFrame& key,
                                 const FlowEstimate& estimate,
                                 int frames) const;

  const DecisionNetwork& network() const { return network_; }
  OpticalFlow& flow() { return flow_; }
  bool carries_warps() const { return carry_warps_; }

 private:
  OpticalFlow& flow_;
  const DecisionNetwork& network_;
  DevicePacer* pacer_;
  GuidedWarpOptions warp_;
  bool carry_warps_;
  // Set once the missing stitched part has been logged (WindowFor).
  mutable std::atomic<bool> warned_whole_{false};
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_FLOW_PATH_H_
