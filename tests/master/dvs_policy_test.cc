#include "master/dvs_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::master {
namespace {

using ::testing::HasSubstr;

TEST(RegionThresholdsTest, FixedModeNeverMoves) {
  RegionThresholds thresholds({.mode = DvsMode::kFixed, .threshold = 85});
  thresholds.Update(0, /*warped=*/false);
  thresholds.Update(0, /*warped=*/true);
  EXPECT_FLOAT_EQ(thresholds.Get(0), 85);
  EXPECT_FLOAT_EQ(thresholds.Get(3), 85);
}

TEST(RegionThresholdsTest, DynamicModeFollowsThePaperPerRegion) {
  RegionThresholds thresholds({.mode = DvsMode::kDynamic, .threshold = 90});
  thresholds.Update(1, /*warped=*/false);                             // -1
  thresholds.Update(1, /*warped=*/false);                             // -1
  for (int i = 0; i < 5; ++i) thresholds.Update(1, /*warped=*/true);  // +0.5
  EXPECT_NEAR(thresholds.Get(1), 88.5, 1e-4);
  EXPECT_FLOAT_EQ(thresholds.Get(0), 90);  // other regions untouched
}

TEST(RegionThresholdsTest, DynamicThresholdStaysWithinPercent) {
  RegionThresholds low({.mode = DvsMode::kDynamic, .threshold = 0.5});
  low.Update(0, false);
  EXPECT_FLOAT_EQ(low.Get(0), 0);
  RegionThresholds high({.mode = DvsMode::kDynamic, .threshold = 100});
  high.Update(0, true);
  EXPECT_FLOAT_EQ(high.Get(0), 100);
}

TEST(DvsSettingsTest, RejectsImpossibleValuesNamingThem) {
  absl::Status status = ValidateDvs({.threshold = 101});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("threshold 101"));
  status = ValidateDvs({.threshold = -1});
  EXPECT_THAT(status.message(), HasSubstr("outside 0..100"));
  status = ValidateDvs({.key_gap = -2});
  EXPECT_THAT(status.message(), HasSubstr("key gap -2"));
  status = ValidateDvs({.max_key_age = -1});
  EXPECT_THAT(status.message(), HasSubstr("max key age -1"));
  status = ValidateDvs({.max_key_age = 0});
  EXPECT_THAT(status.message(), HasSubstr("below 1 frame"));
  // A worker could keep a key it may not warp from.
  status = ValidateDvs({.key_gap = 4, .max_key_age = 4});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("key gap 4 must be below the max key age 4"));
  EXPECT_TRUE(ValidateDvs({}).ok());
}

TEST(DvsSettingsTest, ParsesModeNames) {
  EXPECT_EQ(*ParseDvsMode("off"), DvsMode::kOff);
  EXPECT_EQ(*ParseDvsMode("fixed"), DvsMode::kFixed);
  EXPECT_EQ(*ParseDvsMode("dynamic"), DvsMode::kDynamic);
  absl::StatusOr<DvsMode> bad = ParseDvsMode("sometimes");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("--dvs=sometimes"));
}

}  // namespace
}  // namespace tessera::master
