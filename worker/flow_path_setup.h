// A worker's flow path as its decision network learned to judge it: the
// warp the network learned unless the worker's flags chose another, and in
// the log what an operator needs to read its scores by: each setting they
// are not calibrated for (WARNING), what the score means and where and how
// the path warps (INFO).
//
//   std::unique_ptr<FlowPath> path = MakeWorkerFlowPath(
//       *flow, *dn, pacer.get(), warp, choice, carried, model_name);
#ifndef TESSERA_WORKER_FLOW_PATH_SETUP_H_
#define TESSERA_WORKER_FLOW_PATH_SETUP_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "common/guided_warp.h"
#include "worker/decision_network.h"
#include "worker/device_profile.h"
#include "worker/flow_path.h"
#include "worker/optical_flow.h"
#include "worker/warp_options.h"

namespace tessera::worker {

// `warp` holds the worker's other warp settings (--relocate_classes); its
// radius, colour threshold and fill threshold are settled here
// (SettleWarp). `carried`: --carry_warps, "auto" already settled by the
// network. `model_name`: the segmentation model the worker serves. `flow`,
// `network` and `pacer` (may be null) must outlive the path.
std::unique_ptr<FlowPath> MakeWorkerFlowPath(
    OpticalFlow& flow, const DecisionNetwork& network, DevicePacer* pacer,
    GuidedWarpOptions warp, const WarpChoice& choice, bool carried,
    absl::string_view model_name);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_FLOW_PATH_SETUP_H_
