#include "worker/flow_path_setup.h"

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/search_radius.h"
#include "worker/flow_window.h"

namespace tessera::worker {

std::unique_ptr<FlowPath> MakeWorkerFlowPath(
    OpticalFlow& flow, const DecisionNetwork& network, DevicePacer* pacer,
    GuidedWarpOptions warp, const WarpChoice& choice, bool carried,
    absl::string_view model_name) {
  const v1::DecisionNetwork& spec = network.spec();
  if (carried != spec.carried_warps()) {
    TLOG(WARNING) << "decision network " << spec.name() << " learned warps "
                  << WarpSourceName(spec.carried_warps())
                  << "; its scores are not calibrated for --carry_warps="
                  << (carried ? "true" : "false");
  }
  SettleWarp(choice, spec, &warp);
  if (const std::vector<std::string> unlearned =
          UnlearnedWarpSettings(warp, spec);
      !unlearned.empty()) {
    TLOG(WARNING) << "decision network " << spec.name()
                  << " learned other warps; its scores are not calibrated "
                     "for "
                  << absl::StrJoin(unlearned, " and ");
  }
  if (!spec.segmentation_model().empty() &&
      spec.segmentation_model() != model_name) {
    TLOG(WARNING) << "decision network " << spec.name()
                  << " was trained for model " << spec.segmentation_model()
                  << ", not " << model_name;
  }
  // What --threshold is compared with: the expected agreement, or (a
  // quantile network) a floor that most regions reach.
  const float quantile = spec.quantile();
  TLOG(INFO) << "decision network " << spec.name() << ": score is "
             << (quantile > 0
                     ? absl::StrFormat(
                           "the agreement's %g-quantile (%.1f %% of held-out "
                           "regions at or above it)",
                           quantile, 100 * spec.validation_coverage())
                     : absl::StrFormat(
                           "the mean agreement (held-out error %.2f points)",
                           spec.validation_mae()));
  // Its features mean what they meant on the window it learned on.
  TLOG(INFO) << "flow path works on "
             << DescribeFlowWindow(
                    spec.has_window_margin() ? spec.window_margin() : -1)
             << "; its warp searches " << SearchRadiusText(warp.radius)
             << " pixels around where colours differ by more than "
             << warp.colour_threshold << ", fill threshold "
             << FillThresholdText(warp.fill_threshold);
  return std::make_unique<FlowPath>(flow, network, pacer, warp, carried);
}

}  // namespace tessera::worker
