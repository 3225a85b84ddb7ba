#include "worker/flow_path.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_format.h"
#include "common/log.h"
#include "worker/flow_window.h"

namespace tessera::worker {
namespace {

// An empty window means the whole region.
Rect WholeIfEmpty(const Rect& window, Size region) {
  return window.width > 0 && window.height > 0
             ? window
             : Rect{0, 0, region.width, region.height};
}

// INVALID_ARGUMENT unless the key's image, its labels (when `with_labels`)
// and its confidence (when it has one) are the region's size, and `window`
// lies inside the region: the crops below read only there.
absl::Status CheckKeyAndWindow(const Image& current, const KeyFrame& key,
                               const Rect& window, bool with_labels) {
  const Size region = current.size();
  const bool confidence_fits =
      key.confidence.empty() ||
      (key.confidence.size() == region && key.confidence.channels == 1);
  if (key.image.size() != region ||
      (with_labels && key.labels.size() != region) || !confidence_fits) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "key of frame %d is %dx%d (labels %dx%d, confidence %dx%dx%d), the "
        "region is %dx%d",
        key.frame_index, key.image.width, key.image.height, key.labels.width,
        key.labels.height, key.confidence.width, key.confidence.height,
        key.confidence.channels, region.width, region.height));
  }
  if (!InsideOf(window, region)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "flow window %dx%d at (%d, %d) is not inside the %dx%d region",
        window.width, window.height, window.x, window.y, region.width,
        region.height));
  }
  return absl::OkStatus();
}

}  // namespace

Rect FlowPath::WindowFor(Size region, const Rect& stitched) const {
  const v1::DecisionNetwork& spec = network_.spec();
  const int margin = spec.has_window_margin() ? spec.window_margin() : -1;
  if (margin >= 0 && (stitched.width <= 0 || stitched.height <= 0) &&
      !warned_whole_.exchange(true)) {
    TLOG(WARNING) << "decision network " << spec.name() << " learned on "
                  << DescribeFlowWindow(margin)
                  << ", but tasks do not say which part is stitched "
                     "(max-confidence stitching, or an older master): they "
                     "are estimated on whole regions, which its scores were "
                     "not fitted to";
  }
  return FlowWindow(region, stitched, margin);
}

absl::StatusOr<FlowEstimate> FlowPath::Estimate(const Image& current,
                                                const KeyFrame& key,
                                                int key_age,
                                                const Rect& window) {
  FlowEstimate estimate;
  estimate.window = WholeIfEmpty(window, current.size());
  const Rect& w = estimate.window;
  if (absl::Status ok = CheckKeyAndWindow(current, key, w, false); !ok.ok()) {
    return ok;
  }
  Image current_crop, key_crop, confidence_crop;
  const Image& now = InWindow(current, w, current_crop);
  const Image& then = InWindow(key.image, w, key_crop);
  const Image& then_confidence = InWindow(key.confidence, w, confidence_crop);
  using Clock = DevicePacer::Clock;
  auto ms_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start)
        .count();
  };
  const Clock::time_point flow_start = Clock::now();
  absl::StatusOr<FlowField> flow = flow_.Compute(now, then);
  if (!flow.ok()) return flow.status();
  estimate.flow = *std::move(flow);
  // A learned flow network can emit NaN or inf (fp16 overflow); sampling
  // at such a point would read outside the image.
  for (const float v : estimate.flow.vectors) {
    if (!std::isfinite(v)) {
      return absl::InternalError(absl::StrFormat(
          "optical flow %s returned a non-finite vector for a %dx%d region",
          flow_.name(), now.width, now.height));
    }
  }
  const double real_flow_ms = ms_since(flow_start);
  absl::StatusOr<DecisionFeatures> features = ComputeDecisionFeatures(
      now, then, then_confidence, estimate.flow, key_age, key.chain);
  if (!features.ok()) return features.status();
  estimate.features = *features;
  estimate.score = network_.Score(estimate.features);
  estimate.flow_ms = real_flow_ms;
  if (pacer_ != nullptr) {
    pacer_->PadSteps({DevicePacer::Step::kFlow, DevicePacer::Step::kDecision},
                     now.size(), flow_start);
    // The device's flow time, unless the real flow took longer.
    estimate.flow_ms = std::max(
        real_flow_ms, pacer_->StepMs(DevicePacer::Step::kFlow, now.size()));
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
  const Rect w = WholeIfEmpty(estimate.window, current.size());
  if (absl::Status ok = CheckKeyAndWindow(current, key, w, true); !ok.ok()) {
    return ok;
  }
  Image current_crop, image_crop, labels_crop, confidence_crop;
  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      InWindow(key.image, w, image_crop), InWindow(key.labels, w, labels_crop),
      InWindow(key.confidence, w, confidence_crop),
      InWindow(current, w, current_crop), estimate.flow,
      warp_.ForFrames(frames));
  if (!guided.ok()) return guided.status();
  WarpedKey warped;
  if (CoversWhole(w, current.size())) {
    warped.labels = std::move(guided->labels);
    warped.confidence = std::move(guided->confidence);
  } else {
    warped.labels = PasteWindow(key.labels, guided->labels, w);
    warped.confidence = PasteWindow(key.confidence, guided->confidence, w);
  }
  if (pacer_ != nullptr) {
    pacer_->PadStep(DevicePacer::Step::kWarp, {w.width, w.height}, start);
  }
  return warped;
}

}  // namespace tessera::worker
