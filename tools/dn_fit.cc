#include "tools/dn_fit.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "worker/decision_network.h"

namespace tessera::tools {
namespace {

constexpr int kFeatures = worker::kDecisionFeatureCount;
constexpr int kReferenceSamples = 8;

torch::Tensor FeatureTensor(const std::vector<DnSample>& samples) {
  torch::Tensor x =
      torch::empty({static_cast<int64_t>(samples.size()), kFeatures});
  auto a = x.accessor<float, 2>();
  for (size_t i = 0; i < samples.size(); ++i) {
    for (int f = 0; f < kFeatures; ++f) a[i][f] = samples[i].features[f];
  }
  return x;
}

torch::Tensor TargetTensor(const std::vector<DnSample>& samples) {
  torch::Tensor y = torch::empty({static_cast<int64_t>(samples.size()), 1});
  auto a = y.accessor<float, 2>();
  for (size_t i = 0; i < samples.size(); ++i) a[i][0] = samples[i].agreement;
  return y;
}

// The network as the worker will run it: standardisation folded in the
// spec, weights copied out of the LibTorch layers.
v1::DecisionNetwork SpecOf(torch::nn::Sequential& net,
                           const torch::Tensor& mean, const torch::Tensor& std,
                           float leaky_slope) {
  v1::DecisionNetwork spec;
  for (const std::string& name : worker::DecisionFeatureNames()) {
    spec.add_features(name);
  }
  for (int f = 0; f < kFeatures; ++f) {
    spec.add_feature_mean(mean[f].item<float>());
    spec.add_feature_std(std[f].item<float>());
  }
  spec.set_leaky_slope(leaky_slope);
  for (const auto& module : net->children()) {
    auto* linear = module->as<torch::nn::Linear>();
    if (linear == nullptr) continue;
    v1::DecisionNetwork::Layer* layer = spec.add_layers();
    const torch::Tensor w = linear->weight.detach().contiguous();
    const torch::Tensor b = linear->bias.detach().contiguous();
    layer->set_inputs(static_cast<int>(w.size(1)));
    layer->set_outputs(static_cast<int>(w.size(0)));
    layer->mutable_weights()->Add(w.data_ptr<float>(),
                                  w.data_ptr<float>() + w.numel());
    layer->mutable_bias()->Add(b.data_ptr<float>(),
                               b.data_ptr<float>() + b.numel());
  }
  return spec;
}

struct Evaluation {
  double mae = 0;
  double pinball = 0;   // mean pinball loss at the fit's quantile
  double coverage = 0;  // share with agreement >= prediction
  std::vector<double> by_gap;

  // What model selection minimises on held-out samples: for a quantile
  // network its training loss; for the mean network (trained on squared
  // error) the absolute error, as the paper's fit has always been judged.
  double selection(double quantile) const {
    return quantile > 0 ? pinball : mae;
  }
};

// The pinball (quantile) loss of predicting `predicted` for `actual`:
// under-prediction costs q per point, over-prediction 1 - q.
double Pinball(double quantile, double predicted, double actual) {
  const double residual = actual - predicted;
  return residual >= 0 ? quantile * residual : (quantile - 1) * residual;
}

torch::Tensor PinballLoss(double quantile, const torch::Tensor& predicted,
                          const torch::Tensor& actual) {
  const torch::Tensor residual = actual - predicted;
  return torch::max(quantile * residual, (quantile - 1) * residual).mean();
}

Evaluation Evaluate(const worker::DecisionNetwork& network,
                    const std::vector<DnSample>& samples, double quantile) {
  Evaluation out;
  std::vector<double> sum, count;
  for (const DnSample& sample : samples) {
    worker::DecisionFeatures features;
    features.values = sample.features;
    const double predicted = network.Score(features);
    const double error = std::abs(predicted - sample.agreement);
    out.mae += error;
    out.pinball += Pinball(quantile, predicted, sample.agreement);
    if (sample.agreement >= predicted) out.coverage += 1;
    if (sample.gap >= static_cast<int>(sum.size())) {
      sum.resize(sample.gap + 1, 0);
      count.resize(sample.gap + 1, 0);
    }
    sum[sample.gap] += error;
    count[sample.gap] += 1;
  }
  const double n = std::max<size_t>(1, samples.size());
  out.mae /= n;
  out.pinball /= n;
  out.coverage /= n;
  for (size_t g = 0; g < sum.size(); ++g) {
    out.by_gap.push_back(count[g] > 0 ? sum[g] / count[g] : 0);
  }
  return out;
}

}  // namespace

absl::StatusOr<DnFit> FitDecisionNetwork(const std::vector<DnSample>& train,
                                         const std::vector<DnSample>& val,
                                         const DnFitOptions& options) {
  if (train.empty() || val.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("need training and validation samples, have %d and %d",
                        train.size(), val.size()));
  }
  if (!(options.quantile >= 0 && options.quantile < 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the quantile must be 0 (the mean) or in (0, 1), not %g",
        options.quantile));
  }
  torch::manual_seed(options.seed);
  const torch::Tensor x = FeatureTensor(train);
  const torch::Tensor y = TargetTensor(train);
  const torch::Tensor mean = x.mean(0);
  // A constant feature (e.g. no key confidence) must not divide by zero.
  const torch::Tensor std = x.std(0).clamp_min(1e-3);
  const torch::Tensor xn = (x - mean) / std;

  torch::nn::Sequential net;
  int inputs = kFeatures;
  for (int width : options.hidden) {
    net->push_back(torch::nn::Linear(inputs, width));
    net->push_back(torch::nn::LeakyReLU(
        torch::nn::LeakyReLUOptions().negative_slope(options.leaky_slope)));
    inputs = width;
  }
  net->push_back(torch::nn::Linear(inputs, 1));
  // Start the output at the mean agreement: most targets sit near 100.
  {
    torch::NoGradGuard no_grad;
    auto* last = net->children().back()->as<torch::nn::Linear>();
    last->bias.fill_(y.mean().item<float>());
  }
  torch::optim::Adam optimiser(
      net->parameters(), torch::optim::AdamOptions(options.learning_rate));

  DnFit best;
  double best_selection = std::numeric_limits<double>::infinity();
  const int64_t n = x.size(0);
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    net->train();
    const torch::Tensor order = torch::randperm(n);
    for (int64_t start = 0; start < n; start += options.batch) {
      const torch::Tensor idx =
          order.slice(0, start, std::min(n, start + options.batch));
      optimiser.zero_grad();
      const torch::Tensor predicted = net->forward(xn.index_select(0, idx));
      const torch::Tensor actual = y.index_select(0, idx);
      const torch::Tensor loss =
          options.quantile > 0
              ? PinballLoss(options.quantile, predicted, actual)
              : torch::mse_loss(predicted, actual);
      loss.backward();
      optimiser.step();
    }
    for (auto& group : optimiser.param_groups()) {
      auto& adam = static_cast<torch::optim::AdamOptions&>(group.options());
      adam.lr(adam.lr() * options.decay_per_epoch);
    }
    net->eval();
    v1::DecisionNetwork spec = SpecOf(net, mean, std, options.leaky_slope);
    absl::StatusOr<std::unique_ptr<worker::DecisionNetwork>> network =
        worker::MakeDecisionNetwork(spec);
    if (!network.ok()) return network.status();
    const Evaluation on_val = Evaluate(**network, val, options.quantile);
    if (on_val.selection(options.quantile) < best_selection) {
      best_selection = on_val.selection(options.quantile);
      best.val_mae = on_val.mae;
      best.val_coverage = on_val.coverage;
      best.val_pinball = on_val.pinball;
      best.val_mae_by_gap = on_val.by_gap;
      best.train_mae = Evaluate(**network, train, options.quantile).mae;
      best.best_epoch = epoch;
      best.spec = std::move(spec);
    }
  }

  // Reference scores: what this exact file must give on a few inputs.
  absl::StatusOr<std::unique_ptr<worker::DecisionNetwork>> network =
      worker::MakeDecisionNetwork(best.spec);
  if (!network.ok()) return network.status();
  const size_t step = std::max<size_t>(1, val.size() / kReferenceSamples);
  for (size_t i = 0;
       i < val.size() && best.spec.reference_size() < kReferenceSamples;
       i += step) {
    worker::DecisionFeatures features;
    features.values = val[i].features;
    auto* reference = best.spec.add_reference();
    reference->mutable_features()->Add(features.values.begin(),
                                       features.values.end());
    reference->set_score((*network)->Score(features));
  }
  best.spec.set_validation_mae(static_cast<float>(best.val_mae));
  best.spec.set_quantile(static_cast<float>(options.quantile));
  best.spec.set_validation_coverage(static_cast<float>(best.val_coverage));
  double train_mean = 0;
  for (const DnSample& s : train) train_mean += s.agreement;
  train_mean /= train.size();
  for (const DnSample& s : val) {
    best.val_mae_of_mean += std::abs(s.agreement - train_mean);
  }
  best.val_mae_of_mean /= val.size();
  if (options.quantile > 0) {
    std::vector<float> agreements;
    for (const DnSample& s : train) agreements.push_back(s.agreement);
    const auto at =
        agreements.begin() +
        static_cast<std::ptrdiff_t>(options.quantile * (agreements.size() - 1));
    std::nth_element(agreements.begin(), at, agreements.end());
    for (const DnSample& s : val) {
      best.val_pinball_of_constant +=
          Pinball(options.quantile, *at, s.agreement);
    }
    best.val_pinball_of_constant /= val.size();
  }
  return best;
}

}  // namespace tessera::tools
