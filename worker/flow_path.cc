#include "worker/flow_path.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_format.h"
#include "common/split_stitch.h"
#include "worker/flow_window.h"

namespace tessera::worker {
namespace {

// `image` inside `window`: the image itself when the window covers it (or
// it is empty), else a copy of that part made in `crop`.
const Image& InWindow(const Image& image, const Rect& window, Image& crop) {
  if (image.empty() || CoversWhole(window, image.size())) return image;
  crop = CropImage(image, window);
  return crop;
}

}  // namespace

Rect FlowPath::WindowFor(Size region, const Rect& stitched) const {
  const v1::DecisionNetwork& spec = network_.spec();
  return FlowWindow(region, stitched,
                    spec.has_window_margin() ? spec.window_margin() : -1);
}

absl::StatusOr<FlowEstimate> FlowPath::Estimate(const Image& current,
                                                const KeyFrame& key,
                                                int key_age,
                                                const Rect& window) {
  if (key.image.size() != current.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "key of frame %d is %dx%d, the region is %dx%d", key.frame_index,
        key.image.width, key.image.height, current.width, current.height));
  }
  FlowEstimate estimate;
  estimate.window = window.width > 0 && window.height > 0
                        ? window
                        : Rect{0, 0, current.width, current.height};
  const Rect& w = estimate.window;
  if (w.x < 0 || w.y < 0 || w.right() > current.width ||
      w.bottom() > current.height) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "flow window %dx%d at (%d, %d) is not inside the %dx%d region", w.width,
        w.height, w.x, w.y, current.width, current.height));
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
  const Rect& w = estimate.window;
  if (key.image.size() != current.size() ||
      key.labels.size() != current.size() || w.x < 0 || w.y < 0 ||
      w.right() > current.width || w.bottom() > current.height) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "warp of a %dx%d key to a %dx%d region in a %dx%d window at (%d, %d): "
        "sizes differ",
        key.image.width, key.image.height, current.width, current.height,
        w.width, w.height, w.x, w.y));
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
    if (!key.confidence.empty()) {
      warped.confidence = PasteWindow(key.confidence, guided->confidence, w);
    }
  }
  if (pacer_ != nullptr) {
    pacer_->PadStep(DevicePacer::Step::kWarp, {w.width, w.height}, start);
  }
  return warped;
}

}  // namespace tessera::worker
