#include "tools/dn_fit.h"

#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::tools {
namespace {

using ::testing::HasSubstr;

// Samples whose agreement is 90 + 5 * feature0 plus uniform noise in
// [-4, 4]: the mean is known, and so is every quantile.
std::vector<DnSample> NoisySamples(int n, uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> feature(-1, 1), noise(-4, 4);
  std::vector<DnSample> samples(n);
  for (DnSample& s : samples) {
    s.features[0] = feature(random);
    for (size_t f = 1; f < s.features.size(); ++f) s.features[f] = 0.5f;
    s.agreement = 90 + 5 * s.features[0] + noise(random);
    s.gap = 1;
  }
  return samples;
}

DnFitOptions Quick(double quantile) {
  DnFitOptions options;
  options.hidden = {8};
  options.epochs = 30;
  options.quantile = quantile;
  return options;
}

TEST(DnFitTest, AQuantileFitIsAFloorForThatShareOfSamples) {
  const std::vector<DnSample> train = NoisySamples(3000, 1);
  const std::vector<DnSample> val = NoisySamples(1000, 2);
  absl::StatusOr<DnFit> mean_fit = FitDecisionNetwork(train, val, Quick(0));
  absl::StatusOr<DnFit> floor_fit = FitDecisionNetwork(train, val, Quick(0.2));
  ASSERT_TRUE(mean_fit.ok()) << mean_fit.status();
  ASSERT_TRUE(floor_fit.ok()) << floor_fit.status();
  // The mean is exceeded about half the time, the 0.2-quantile about 80 %.
  EXPECT_NEAR(mean_fit->val_coverage, 0.5, 0.08);
  EXPECT_NEAR(floor_fit->val_coverage, 0.8, 0.06);
  // Noise uniform in [-4, 4]: the mean's absolute error is 2, and the
  // 0.2-quantile sits 2.4 points below the mean.
  EXPECT_LT(mean_fit->val_mae, 2.4);
  EXPECT_GT(floor_fit->val_mae, mean_fit->val_mae);
  EXPECT_FLOAT_EQ(floor_fit->spec.quantile(), 0.2f);
  EXPECT_FLOAT_EQ(mean_fit->spec.quantile(), 0.0f);
  EXPECT_NEAR(floor_fit->spec.validation_coverage(), floor_fit->val_coverage,
              1e-6);
  // A learned floor beats the training set's constant 0.2-quantile, which
  // ignores the feature that explains most of the agreement.
  EXPECT_LT(floor_fit->val_pinball, 0.8 * floor_fit->val_pinball_of_constant);
}

TEST(DnFitTest, AQuantileOutsideZeroToOneIsRefused) {
  const std::vector<DnSample> samples = NoisySamples(10, 3);
  for (double quantile : {-0.1, 1.0, 2.0, std::nan("")}) {
    absl::StatusOr<DnFit> fit =
        FitDecisionNetwork(samples, samples, Quick(quantile));
    EXPECT_EQ(fit.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(fit.status().message(), HasSubstr("quantile"));
  }
}

}  // namespace
}  // namespace tessera::tools
