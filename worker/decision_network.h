// The decision network: from a region's DecisionFeatures, the predicted
// percentage of pixels (of the part the flow path works on,
// worker/flow_window.h) on which the flow path's labels will agree with the
// segmentation path's (DVSNet's "confidence score"). A worker warps a region
// when the score reaches the task's threshold.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<DecisionNetwork> dn,
//                    LoadDecisionNetwork("models/synth.dn.json"));
//   float score = dn->Score(features);   // 0..100
#ifndef TESSERA_WORKER_DECISION_NETWORK_H_
#define TESSERA_WORKER_DECISION_NETWORK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tessera/v1/decision_network.pb.h"
#include "worker/decision_features.h"

namespace tessera::worker {

class DecisionNetwork {
 public:
  virtual ~DecisionNetwork() = default;
  // Thread-safe.
  virtual float Score(const DecisionFeatures& features) const = 0;
  virtual const v1::DecisionNetwork& spec() const = 0;
};

// NOT_FOUND for a missing file; INVALID_ARGUMENT naming what is wrong for a
// file that does not parse, lists other features, or has inconsistent layer
// shapes.
absl::StatusOr<std::unique_ptr<DecisionNetwork>> LoadDecisionNetwork(
    const std::string& path);
// The same checks on an in-memory spec (tessera-train-dn builds one).
absl::StatusOr<std::unique_ptr<DecisionNetwork>> MakeDecisionNetwork(
    v1::DecisionNetwork spec);
absl::Status SaveDecisionNetwork(const v1::DecisionNetwork& spec,
                                 const std::string& path);

// `<model>.dn.json` beside `<model>.pt`.
std::string DecisionNetworkPathFor(const std::string& model_path);

// What warps start from, for messages: "carried frame to frame" or "from
// the key" (v1::DecisionNetwork::carried_warps).
const char* WarpSourceName(bool carried_warps);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_DECISION_NETWORK_H_
