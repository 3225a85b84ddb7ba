// Fitting the decision network (an MLP, see worker/decision_network.h) to
// DnSamples with LibTorch on the CPU: MSE loss (or, with a quantile, the
// pinball loss), Adam with the paper's learning rate schedule (0.002, x0.99
// per epoch), and the epoch with the best held-out loss kept.
//
//   ASSIGN_OR_RETURN(DnFit fit, FitDecisionNetwork(train, val, {}));
//   RETURN_IF_ERROR(worker::SaveDecisionNetwork(fit.spec, "net.dn.json"));
#ifndef TESSERA_TOOLS_DN_FIT_H_
#define TESSERA_TOOLS_DN_FIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "tessera/v1/decision_network.pb.h"
#include "tools/dn_dataset.h"

namespace tessera::tools {

struct DnFitOptions {
  std::vector<int> hidden = {32, 32};
  int epochs = 100;
  int batch = 32;
  double learning_rate = 0.002;
  double decay_per_epoch = 0.99;
  float leaky_slope = 0.1f;
  // 0: predict the mean agreement (the paper). In (0, 1): predict its
  // quantile, e.g. 0.2: four regions in five agree at least as much.
  double quantile = 0;
  uint64_t seed = 0;
};

struct DnFit {
  v1::DecisionNetwork spec;  // features, normalisation, layers, reference
  double train_mae = 0;
  double val_mae = 0;
  // Predicting the training set's mean agreement for every sample.
  double val_mae_of_mean = 0;
  // Share of held-out samples whose agreement is at least the prediction.
  double val_coverage = 0;
  // Quantile fits only: the held-out pinball loss, and that of predicting
  // the training set's q-quantile for every sample (what a learned floor
  // must beat; a constant offset from the mean would not).
  double val_pinball = 0;
  double val_pinball_of_constant = 0;
  std::vector<double> val_mae_by_gap;  // index: gap
  int best_epoch = 0;
};

// INVALID_ARGUMENT when either set is empty or the quantile is outside
// [0, 1).
absl::StatusOr<DnFit> FitDecisionNetwork(const std::vector<DnSample>& train,
                                         const std::vector<DnSample>& val,
                                         const DnFitOptions& options);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_DN_FIT_H_
