#include "worker/flow_path.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_format.h"

namespace tessera::worker {

absl::StatusOr<FlowEstimate> FlowPath::Estimate(const Image& current,
                                                const KeyFrame& key,
                                                int key_age) {
  if (key.image.size() != current.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "key of frame %d is %dx%d, the region is %dx%d", key.frame_index,
        key.image.width, key.image.height, current.width, current.height));
  }
  using Clock = DevicePacer::Clock;
  auto ms_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start)
        .count();
  };
  const Clock::time_point flow_start = Clock::now();
  FlowEstimate estimate;
  absl::StatusOr<FlowField> flow = flow_.Compute(current, key.image);
  if (!flow.ok()) return flow.status();
  estimate.flow = *std::move(flow);
  // A learned flow network can emit NaN or inf (fp16 overflow); sampling
  // at such a point would read outside the image.
  for (const float v : estimate.flow.vectors) {
    if (!std::isfinite(v)) {
      return absl::InternalError(absl::StrFormat(
          "optical flow %s returned a non-finite vector for a %dx%d region",
          flow_.name(), current.width, current.height));
    }
  }
  const double real_flow_ms = ms_since(flow_start);
  absl::StatusOr<DecisionFeatures> features = ComputeDecisionFeatures(
      current, key.image, key.confidence, estimate.flow, key_age, key.chain);
  if (!features.ok()) return features.status();
  estimate.features = *features;
  estimate.score = network_.Score(estimate.features);
  estimate.flow_ms = real_flow_ms;
  if (pacer_ != nullptr) {
    pacer_->PadSteps({DevicePacer::Step::kFlow, DevicePacer::Step::kDecision},
                     current.size(), flow_start);
    // The device's flow time, unless the real flow took longer.
    estimate.flow_ms = std::max(
        real_flow_ms, pacer_->StepMs(DevicePacer::Step::kFlow, current.size()));
  }
  const double total_ms = ms_since(flow_start);
  estimate.flow_ms = std::min(estimate.flow_ms, total_ms);
  estimate.decision_ms = total_ms - estimate.flow_ms;
  return estimate;
}

absl::StatusOr<WarpedKey> FlowPath::Warp(const Image& current,
                                         const KeyFrame& key,
                                         const FlowEstimate& estimate,
                                         int frames) const {
  const DevicePacer::Clock::time_point start = DevicePacer::Clock::now();
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, key.confidence, current,
                       estimate.flow, warp_.ForFrames(frames));
  if (!guided.ok()) return guided.status();
  WarpedKey warped;
  warped.labels = std::move(guided->labels);
  warped.confidence = std::move(guided->confidence);
  if (pacer_ != nullptr) {
    pacer_->PadStep(DevicePacer::Step::kWarp, warped.labels.size(), start);
  }
  return warped;
}

}  // namespace tessera::worker
