// What the decision network sees of a region's flow path: a handful of cheap
// statistics of the flow, of how well the flow explains the current pixels
// (photometric error of the warped key image) and of the key itself.
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

inline constexpr int kDecisionFeatureCount = 9;

struct DecisionFeatures {
  // In the order of DecisionFeatureNames().
  std::array<float, kDecisionFeatureCount> values{};
};

// key_age, flow_mean, flow_p90, flow_gradient, photo_error,
// photo_error_fraction, outside_fraction, key_confidence,
// low_confidence_fraction: see decision_features.cc for each definition.
const std::array<std::string, kDecisionFeatureCount>& DecisionFeatureNames();

// `key_confidence` may be empty (then the two confidence features are 1, 0).
// INVALID_ARGUMENT when the images and the flow differ in size.
absl::StatusOr<DecisionFeatures> ComputeDecisionFeatures(
    const Image& current, const Image& key_image, const Image& key_confidence,
    const FlowField& flow, int key_age);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_DECISION_FEATURES_H_
