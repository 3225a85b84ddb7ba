// tessera-stages' report on the shipped camvid model: what crosses each cut,
// in what shapes and bytes, and the check that the stages reproduce the
// whole model.
#include "tools/stage_profile.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kModel = std::string(TESSERA_MODELS_DIR) + "/camvid.pt";

TEST(StageProfileTest, CardsShapesAndBytesOfEachStage) {
  absl::StatusOr<StageReport> report =
      ProfileStages({.model_path = kModel, .cuts = {"s32"}, .runs = 1});
  ASSERT_TRUE(report.ok()) << report.status();
  // The generated 480x360 region, padded to the card's divisor of 32.
  EXPECT_EQ(report->width, 480);
  EXPECT_EQ(report->height, 384);
  ASSERT_EQ(report->stages.size(), 2u);
  const StageProfile& first = report->stages[0];
  EXPECT_THAT(first.submodules, ElementsAre("stem", "s16"));
  ASSERT_EQ(first.outputs.size(), 2u);
  EXPECT_EQ(first.outputs[0].name, "stem");  // the 1/8 skip to fuse8
  EXPECT_THAT(first.outputs[0].shape, ElementsAre(1, 64, 48, 60));
  EXPECT_EQ(first.outputs[1].name, "s16");
  EXPECT_THAT(first.outputs[1].shape, ElementsAre(1, 64, 24, 30));
  EXPECT_EQ(first.output_bytes_fp32, 4 * (64 * 48 * 60 + 64 * 24 * 30));
  EXPECT_EQ(first.output_bytes_fp16, first.output_bytes_fp32 / 2);
  EXPECT_THAT(report->stages[1].outputs[0].shape, ElementsAre(1, 11, 48, 60));
  EXPECT_TRUE(report->fp32_identical);
  EXPECT_GE(report->fp16_label_agreement, 0.995);
  EXPECT_GT(report->stages[1].ms, 0);
  EXPECT_THAT(StageReportJson(*report),
              HasSubstr(R"("name": "s16", "shape": [1, 64, 24, 30])"));
}

TEST(StageProfileTest, AMissingFrameIsNamed) {
  absl::StatusOr<StageReport> report = ProfileStages(
      {.model_path = kModel, .frame = "/nonexistent/frame.png", .runs = 1});
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("/nonexistent/frame.png"));
}

}  // namespace
}  // namespace tessera::tools
