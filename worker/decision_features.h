// What the decision network sees of a region's flow path: a handful of cheap
// statistics of the flow, of how well the flow explains the current pixels
// (photometric error of the warped key image) and of the key itself, and,
// for a warp carried on from earlier warps, the same summed over the chain
// of warps from the key.
//
//   DecisionFeatures f = ComputeDecisionFeatures(current, key_image,
//                                                key_confidence, flow, age);
#ifndef TESSERA_WORKER_DECISION_FEATURES_H_
#define TESSERA_WORKER_DECISION_FEATURES_H_

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "common/flow_field.h"
#include "common/image.h"

namespace tessera::worker {

inline constexpr int kDecisionFeatureCount = 13;

struct DecisionFeatures {
  // In the order of DecisionFeatureNames().
  std::array<float, kDecisionFeatureCount> values{};
};

// What the warps from a key to a carried frame added up to: the sums of
// their flow_mean, photo_error, photo_error_fraction and outside_fraction.
// All zero for the key itself. Errors the last step cannot see (an object
// smeared three frames ago) leave their trace here.
struct WarpChain {
  float flow = 0;
  float photo_error = 0;
  float photo_error_fraction = 0;
  float outside_fraction = 0;
};

// key_age, flow_mean, flow_p90, flow_gradient, photo_error,
// photo_error_fraction, outside_fraction, key_confidence,
// low_confidence_fraction, then chain_flow, chain_photo_error,
// chain_photo_error_fraction, chain_outside_fraction: see
// decision_features.cc for each definition.
const std::array<std::string, kDecisionFeatureCount>& DecisionFeatureNames();

// `key_image` and `key_confidence` are what the warp starts from (a key, or
// a carried frame whose warps so far added up to `before`). `key_confidence`
// may be empty (then the two confidence features are 1, 0). INVALID_ARGUMENT
// when the images and the flow differ in size.
absl::StatusOr<DecisionFeatures> ComputeDecisionFeatures(
    const Image& current, const Image& key_image, const Image& key_confidence,
    const FlowField& flow, int key_age, const WarpChain& before = {});

// The chain of warps up to and including the one `features` describe.
WarpChain ChainOf(const DecisionFeatures& features);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_DECISION_FEATURES_H_
