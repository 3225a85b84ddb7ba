#include "worker/decision_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/warp.h"

namespace tessera::worker {
namespace {

// Features are measured on every second pixel in each direction: a quarter
// of the work, and the statistics barely move.
constexpr int kStep = 2;
// A grey-level difference above this (of 255) counts as "not explained".
constexpr float kPhotoErrorLevel = 20.0f;
// A key pixel whose winning class has less than this probability (of 255).
constexpr int kLowConfidence = 128;

float Grey(const uint8_t* rgb) {
  return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
}

// Bilinear grey level of `image` at a point clamped into the image.
float SampleGrey(const Image& image, float x, float y) {
  x = std::clamp(x, 0.0f, static_cast<float>(image.width - 1));
  y = std::clamp(y, 0.0f, static_cast<float>(image.height - 1));
  const int x0 = static_cast<int>(x);
  const int y0 = static_cast<int>(y);
  const int x1 = std::min(x0 + 1, image.width - 1);
  const int y1 = std::min(y0 + 1, image.height - 1);
  const float fx = x - x0;
  const float fy = y - y0;
  const float top =
      Grey(image.at(x0, y0)) * (1 - fx) + Grey(image.at(x1, y0)) * fx;
  const float bottom =
      Grey(image.at(x0, y1)) * (1 - fx) + Grey(image.at(x1, y1)) * fx;
  return top * (1 - fy) + bottom * fy;
}

}  // namespace

const std::array<std::string, kDecisionFeatureCount>& DecisionFeatureNames() {
  static const std::array<std::string, kDecisionFeatureCount> names = {
      // Frames between the key and the current region.
      "key_age",
      // Mean and 90th percentile of the flow's length, in pixels.
      "flow_mean", "flow_p90",
      // Mean L1 change of the flow between neighbouring samples: motion
      // boundaries, where warping goes wrong.
      "flow_gradient",
      // Mean |warped key grey - current grey| / 255, and the fraction of
      // pixels where it exceeds 20/255: what the flow fails to explain.
      "photo_error", "photo_error_fraction",
      // Fraction of pixels whose source lies outside the key region.
      "outside_fraction",
      // Mean warped key confidence (0..1), and the fraction below 0.5.
      "key_confidence", "low_confidence_fraction",
      // flow_mean, photo_error, photo_error_fraction and outside_fraction
      // summed over every warp from the key to the current region (the
      // same as the single ones when warping from the key itself).
      "chain_flow", "chain_photo_error", "chain_photo_error_fraction",
      "chain_outside_fraction"};
  return names;
}

absl::StatusOr<DecisionFeatures> ComputeDecisionFeatures(
    const Image& current, const Image& key_image, const Image& key_confidence,
    const FlowField& flow, int key_age, const WarpChain& before) {
  if (current.size() != key_image.size() || current.size() != flow.size() ||
      current.channels != 3 || key_image.channels != 3 || current.empty() ||
      (!key_confidence.empty() && key_confidence.size() != current.size())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "decision features need one size: current %dx%dx%d, key %dx%dx%d, "
        "key confidence %dx%d, flow %dx%d",
        current.width, current.height, current.channels, key_image.width,
        key_image.height, key_image.channels, key_confidence.width,
        key_confidence.height, flow.width, flow.height));
  }
  const int w = current.width;
  const int h = current.height;
  std::vector<float> lengths;
  lengths.reserve(static_cast<size_t>((w / kStep + 1) * (h / kStep + 1)));
  double gradient = 0, photo = 0, confidence = 0;
  int gradient_samples = 0, photo_high = 0, outside = 0, low_confidence = 0;
  for (int y = 0; y < h; y += kStep) {
    for (int x = 0; x < w; x += kStep) {
      const float dx = flow.dx(x, y);
      const float dy = flow.dy(x, y);
      lengths.push_back(std::sqrt(dx * dx + dy * dy));
      if (x + kStep < w && y + kStep < h) {
        gradient += std::abs(flow.dx(x + kStep, y) - dx) +
                    std::abs(flow.dy(x + kStep, y) - dy) +
                    std::abs(flow.dx(x, y + kStep) - dx) +
                    std::abs(flow.dy(x, y + kStep) - dy);
        ++gradient_samples;
      }
      const float sx = x + dx;
      const float sy = y + dy;
      if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) ++outside;
      const float error =
          std::abs(SampleGrey(key_image, sx, sy) - Grey(current.at(x, y)));
      photo += error;
      if (error > kPhotoErrorLevel) ++photo_high;
      if (!key_confidence.empty()) {
        // The pixel the warp itself takes (common/warp.h), without
        // std::lround's call into libm.
        const int cx = NearestSourcePixel(x, dx, w);
        const int cy = NearestSourcePixel(y, dy, h);
        const int c = *key_confidence.at(cx, cy);
        confidence += c;
        if (c < kLowConfidence) ++low_confidence;
      }
    }
  }
  const double n = static_cast<double>(lengths.size());
  double length_sum = 0;
  for (float length : lengths) length_sum += length;
  const size_t p90 = static_cast<size_t>(0.9 * (lengths.size() - 1));
  std::nth_element(lengths.begin(), lengths.begin() + p90, lengths.end());

  DecisionFeatures features;
  auto& v = features.values;
  v[0] = static_cast<float>(key_age);
  v[1] = static_cast<float>(length_sum / n);
  v[2] = lengths[p90];
  v[3] = static_cast<float>(gradient / std::max(1, gradient_samples));
  v[4] = static_cast<float>(photo / n / 255.0);
  v[5] = static_cast<float>(photo_high / n);
  v[6] = static_cast<float>(outside / n);
  v[7] = key_confidence.empty() ? 1.0f
                                : static_cast<float>(confidence / n / 255.0);
  v[8] = key_confidence.empty() ? 0.0f : static_cast<float>(low_confidence / n);
  v[9] = before.flow + v[1];
  v[10] = before.photo_error + v[4];
  v[11] = before.photo_error_fraction + v[5];
  v[12] = before.outside_fraction + v[6];
  return features;
}

WarpChain ChainOf(const DecisionFeatures& features) {
  const auto& v = features.values;
  return {v[9], v[10], v[11], v[12]};
}

}  // namespace tessera::worker
