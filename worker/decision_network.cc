#include "worker/decision_network.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/guided_warp.h"
#include "google/protobuf/util/json_util.h"
#include "worker/flow_window.h"
#include "worker/json_proto.h"

namespace tessera::worker {
namespace {

// A plain-C++ MLP: a few hundred multiply-adds, far below the cost of a
// LibTorch call.
class MlpDecisionNetwork final : public DecisionNetwork {
 public:
  explicit MlpDecisionNetwork(v1::DecisionNetwork spec)
      : spec_(std::move(spec)) {}

  float Score(const DecisionFeatures& features) const override {
    std::vector<float> in(features.values.begin(), features.values.end());
    for (size_t i = 0; i < in.size(); ++i) {
      in[i] = (in[i] - spec_.feature_mean(i)) / spec_.feature_std(i);
    }
    std::vector<float> out;
    const int layers = spec_.layers_size();
    for (int l = 0; l < layers; ++l) {
      const v1::DecisionNetwork::Layer& layer = spec_.layers(l);
      out.assign(layer.outputs(), 0.0f);
      for (int o = 0; o < layer.outputs(); ++o) {
        float sum = layer.bias(o);
        const float* w = layer.weights().data() + o * layer.inputs();
        for (int i = 0; i < layer.inputs(); ++i) sum += w[i] * in[i];
        if (l + 1 < layers && sum < 0) sum *= spec_.leaky_slope();
        out[o] = sum;
      }
      in.swap(out);
    }
    // NaN (a corrupt input) scores 0: it must never pass a threshold.
    return std::isfinite(in[0]) ? std::clamp(in[0], 0.0f, 100.0f) : 0.0f;
  }

  const v1::DecisionNetwork& spec() const override { return spec_; }

 private:
  v1::DecisionNetwork spec_;
};

absl::Status Validate(const v1::DecisionNetwork& spec) {
  const auto& names = DecisionFeatureNames();
  std::vector<std::string> expected(names.begin(), names.end());
  std::vector<std::string> given(spec.features().begin(),
                                 spec.features().end());
  if (given != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its features are [%s], this worker computes [%s]",
        absl::StrJoin(given, ", "), absl::StrJoin(expected, ", ")));
  }
  if (spec.feature_mean_size() != kDecisionFeatureCount ||
      spec.feature_std_size() != kDecisionFeatureCount) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "feature_mean and feature_std need %d values, have %d and %d",
        kDecisionFeatureCount, spec.feature_mean_size(),
        spec.feature_std_size()));
  }
  for (float s : spec.feature_std()) {
    if (!(s > 0)) {
      return absl::InvalidArgumentError("feature_std values must be > 0");
    }
  }
  if (spec.has_window_margin() &&
      (spec.window_margin() < 0 || spec.window_margin() > kMaxWindowMargin)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its window_margin is %d; it must be 0..%d (or absent: whole "
        "regions)",
        spec.window_margin(), kMaxWindowMargin));
  }
  if (spec.has_warp_radius() &&
      (spec.warp_radius() < 0 || spec.warp_radius() > kMaxGuidedWarpRadius)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its warp_radius is %d; it must be 0..%d (or absent: the workers' "
        "default)",
        spec.warp_radius(), kMaxGuidedWarpRadius));
  }
  if (spec.has_warp_radius_x() && !spec.has_warp_radius()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its warp_radius_x (%d, across) needs a warp_radius (up and down) "
        "beside it",
        spec.warp_radius_x()));
  }
  if (spec.has_warp_radius_x() &&
      (spec.warp_radius_x() < 0 ||
       spec.warp_radius_x() > kMaxGuidedWarpRadius)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("its warp_radius_x is %d; it must be 0..%d",
                        spec.warp_radius_x(), kMaxGuidedWarpRadius));
  }
  if (spec.has_warp_colour_threshold() &&
      !ColourThresholdInRange(spec.warp_colour_threshold())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its warp_colour_threshold is %d; it must be 0..%d (or absent: %d)",
        spec.warp_colour_threshold(), kMaxColourThreshold,
        kDefaultColourThreshold));
  }
  if (spec.has_warp_fill_threshold() &&
      !ColourThresholdInRange(spec.warp_fill_threshold())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its warp_fill_threshold is %d; it must be 0..%d (%d or absent: no "
        "fill)",
        spec.warp_fill_threshold(), kMaxColourThreshold, kNoFill));
  }
  if (!(spec.quantile() >= 0 && spec.quantile() < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "its quantile is %g; it must be 0 (a mean) or in (0, 1)",
        spec.quantile()));
  }
  if (spec.layers_size() == 0) {
    return absl::InvalidArgumentError("it has no layers");
  }
  int inputs = kDecisionFeatureCount;
  for (int l = 0; l < spec.layers_size(); ++l) {
    const auto& layer = spec.layers(l);
    if (layer.inputs() != inputs || layer.outputs() < 1 ||
        layer.weights_size() != layer.inputs() * layer.outputs() ||
        layer.bias_size() != layer.outputs()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer %d has %d inputs, %d outputs, %d weights and %d biases; "
          "expected %d inputs and weights = inputs x outputs",
          l, layer.inputs(), layer.outputs(), layer.weights_size(),
          layer.bias_size(), inputs));
    }
    inputs = layer.outputs();
  }
  if (inputs != 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the last layer has %d outputs; the score needs exactly 1", inputs));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionNetwork>> MakeDecisionNetwork(
    v1::DecisionNetwork spec) {
  if (absl::Status valid = Validate(spec); !valid.ok()) return valid;
  return std::make_unique<MlpDecisionNetwork>(std::move(spec));
}

absl::StatusOr<std::unique_ptr<DecisionNetwork>> LoadDecisionNetwork(
    const std::string& path) {
  v1::DecisionNetwork spec;
  if (absl::Status read = ReadJsonProto(path, "decision network", spec);
      !read.ok()) {
    return read;
  }
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> network =
      MakeDecisionNetwork(std::move(spec));
  if (!network.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "decision network %s: %s", path, network.status().message()));
  }
  return network;
}

absl::Status SaveDecisionNetwork(const v1::DecisionNetwork& spec,
                                 const std::string& path) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  auto printed =
      google::protobuf::util::MessageToJsonString(spec, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(printed.message().ToString());
  }
  std::ofstream file(path);
  file << json;
  file.close();
  if (!file) {
    return absl::PermissionDeniedError(
        absl::StrFormat("cannot write decision network %s", path));
  }
  return absl::OkStatus();
}

const char* WarpSourceName(bool carried_warps) {
  return carried_warps ? "carried frame to frame" : "from the key";
}

std::string DecisionNetworkPathFor(const std::string& model_path) {
  std::filesystem::path path(model_path);
  path.replace_extension(".dn.json");
  return path.string();
}

}  // namespace tessera::worker
