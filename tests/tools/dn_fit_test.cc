#include "tools/dn_fit.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/dn_samples_csv.h"

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
}

TEST(DnFitTest, AQuantileOutsideZeroToOneIsRefused) {
  const std::vector<DnSample> samples = NoisySamples(10, 3);
  for (double quantile : {-0.1, 1.0, 2.0}) {
    absl::StatusOr<DnFit> fit =
        FitDecisionNetwork(samples, samples, Quick(quantile));
    ASSERT_FALSE(fit.ok());
    EXPECT_THAT(fit.status().message(), HasSubstr("quantile"));
  }
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(getpid())))
      .string();
}

TEST(DnSamplesCsvTest, WhatIsWrittenReadsBack) {
  const std::vector<DnSample> train = NoisySamples(5, 4);
  const std::vector<DnSample> val = NoisySamples(3, 5);
  const std::string path = TempPath("samples.csv");
  ASSERT_TRUE(WriteDnSamplesCsv(path, train, val).ok());
  absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->train.size(), 5u);
  ASSERT_EQ(read->val.size(), 3u);
  for (size_t i = 0; i < train.size(); ++i) {
    // Exactly: a fit from the file must equal a fit from memory.
    EXPECT_EQ(read->train[i].agreement, train[i].agreement);
    EXPECT_EQ(read->train[i].gap, train[i].gap);
    EXPECT_EQ(read->train[i].features, train[i].features);
  }
  std::filesystem::remove(path);
}

TEST(DnSamplesCsvTest, AnotherHeaderOrABadRowIsNamed) {
  EXPECT_EQ(ReadDnSamplesCsv(TempPath("missing.csv")).status().code(),
            absl::StatusCode::kNotFound);
  const std::string path = TempPath("bad.csv");
  std::ofstream(path) << "set,gap,agreement,something_else\n";
  EXPECT_THAT(ReadDnSamplesCsv(path).status().message(),
              HasSubstr(path + ":1: the header"));

  ASSERT_TRUE(WriteDnSamplesCsv(path, NoisySamples(1, 6), {}).ok());
  std::ofstream(path, std::ios::app) << "val,2,101,1,2,3,4,5,6,7,8,9\n";
  EXPECT_THAT(ReadDnSamplesCsv(path).status().message(),
              HasSubstr(path + ":3: the gap or the agreement"));

  ASSERT_TRUE(WriteDnSamplesCsv(path, NoisySamples(1, 6), {}).ok());
  std::ofstream(path, std::ios::app) << "test,2,50,1,2,3,4,5,6,7,8,9\n";
  EXPECT_THAT(ReadDnSamplesCsv(path).status().message(),
              HasSubstr("the set is \"test\""));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tessera::tools
