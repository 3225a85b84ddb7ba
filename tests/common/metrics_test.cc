#include "common/metrics.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

LabelMap Map(int width, int height, std::vector<uint8_t> labels) {
  LabelMap map;
  map.width = width;
  map.height = height;
  map.channels = 1;
  map.pixels = std::move(labels);
  return map;
}

// ground truth   prediction
//   0 0 0          0 0 1
//   1 1 2          1 2 2
//
// Confusion (row gt, column pred): (0,0)=2 (0,1)=1 (1,1)=1 (1,2)=1 (2,2)=1.
// class  tp  gt  pred  IoU=tp/(gt+pred-tp)  precision  recall  F1=2tp/(gt+pred)
//   0     2   3   2     2/3                  1          2/3     4/5
//   1     1   2   2     1/3                  1/2        1/2     1/2
//   2     1   1   2     1/2                  1/2        1       2/3
// mIoU 1/2, mean precision 2/3, mean recall 13/18, mean F1 59/90,
// pixel accuracy 4/6.
TEST(MetricsTest, HandComputedTwoByThree) {
  ConfusionMatrix cm(/*num_classes=*/3, /*void_label=*/-1);
  ASSERT_TRUE(
      cm.Add(Map(3, 2, {0, 0, 0, 1, 1, 2}), Map(3, 2, {0, 0, 1, 1, 2, 2}))
          .ok());
  EXPECT_EQ(cm.count(0, 0), 2u);
  EXPECT_EQ(cm.count(0, 1), 1u);
  EXPECT_EQ(cm.count(1, 2), 1u);
  EXPECT_EQ(cm.count(2, 0), 0u);
  EXPECT_EQ(cm.count(3, 0), 0u);  // out of range reads as zero
  const SegmentationMetrics m = cm.Compute();
  ASSERT_EQ(m.classes.size(), 3u);
  const double iou[] = {2.0 / 3, 1.0 / 3, 1.0 / 2};
  const double precision[] = {1, 1.0 / 2, 1.0 / 2};
  const double recall[] = {2.0 / 3, 1.0 / 2, 1};
  const double f1[] = {4.0 / 5, 1.0 / 2, 2.0 / 3};
  const uint64_t gt[] = {3, 2, 1};
  const uint64_t pred[] = {2, 2, 2};
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE(k);
    const ClassMetrics& c = m.classes[k];
    EXPECT_DOUBLE_EQ(c.iou.value(), iou[k]);
    EXPECT_DOUBLE_EQ(c.precision.value(), precision[k]);
    EXPECT_DOUBLE_EQ(c.recall.value(), recall[k]);
    EXPECT_DOUBLE_EQ(c.f1.value(), f1[k]);
    EXPECT_EQ(c.ground_truth_pixels, gt[k]);
    EXPECT_EQ(c.predicted_pixels, pred[k]);
  }
  EXPECT_DOUBLE_EQ(m.mean_iou, 0.5);
  EXPECT_DOUBLE_EQ(m.mean_precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.mean_recall, 13.0 / 18);
  EXPECT_DOUBLE_EQ(m.mean_f1, 59.0 / 90);
  EXPECT_DOUBLE_EQ(m.mean_dice, m.mean_f1);
  EXPECT_DOUBLE_EQ(m.pixel_accuracy, 4.0 / 6);
  EXPECT_EQ(m.counted_pixels, 6u);
}

// Void ground truth (label 2 here) is skipped whatever was predicted there.
//   gt   0 2 1 2      pred  0 1 1 0
// Counted: (0,0) and (1,1): both classes perfect.
TEST(MetricsTest, VoidGroundTruthIsIgnored) {
  ConfusionMatrix cm(/*num_classes=*/2, /*void_label=*/2);
  ASSERT_TRUE(cm.Add(Map(4, 1, {0, 2, 1, 2}), Map(4, 1, {0, 1, 1, 0})).ok());
  const SegmentationMetrics m = cm.Compute();
  EXPECT_EQ(m.counted_pixels, 2u);
  EXPECT_DOUBLE_EQ(m.mean_iou, 1.0);
  EXPECT_DOUBLE_EQ(m.pixel_accuracy, 1.0);
  EXPECT_EQ(m.classes[1].predicted_pixels, 1u);
  cm.AddPixel(2, 0);  // void through the single-pixel path too
  EXPECT_EQ(cm.Compute().counted_pixels, 2u);
}

// Three classes; class 2 appears nowhere, class 1 is never predicted.
//   gt   0 1 1 0      pred  0 0 0 0
// class 0: tp 2, gt 2, pred 4 -> IoU 1/2, precision 1/2, recall 1, F1 2/3
// class 1: tp 0, gt 2, pred 0 -> IoU 0, precision undefined, recall 0, F1 0
// class 2: all undefined.
// Means over defined: IoU 1/4, precision 1/2, recall 1/2, F1 1/3.
TEST(MetricsTest, UndefinedQuantitiesAreLeftOutOfTheMeans) {
  ConfusionMatrix cm(/*num_classes=*/3, /*void_label=*/255);
  ASSERT_TRUE(cm.Add(Map(2, 2, {0, 1, 1, 0}), Map(2, 2, {0, 0, 0, 0})).ok());
  const SegmentationMetrics m = cm.Compute();
  EXPECT_FALSE(m.classes[2].iou.has_value());
  EXPECT_FALSE(m.classes[2].precision.has_value());
  EXPECT_FALSE(m.classes[2].recall.has_value());
  EXPECT_FALSE(m.classes[2].f1.has_value());
  EXPECT_FALSE(m.classes[1].precision.has_value());
  EXPECT_DOUBLE_EQ(m.classes[1].iou.value(), 0.0);
  EXPECT_DOUBLE_EQ(m.classes[1].recall.value(), 0.0);
  EXPECT_DOUBLE_EQ(m.mean_iou, 0.25);
  EXPECT_DOUBLE_EQ(m.mean_precision, 0.5);
  EXPECT_DOUBLE_EQ(m.mean_recall, 0.5);
  EXPECT_DOUBLE_EQ(m.mean_f1, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.pixel_accuracy, 0.5);
}

TEST(MetricsTest, EmptyMatrixHasZeroMeans) {
  const SegmentationMetrics m = ConfusionMatrix(4, -1).Compute();
  EXPECT_EQ(m.classes.size(), 4u);
  EXPECT_EQ(m.counted_pixels, 0u);
  EXPECT_EQ(m.mean_iou, 0.0);
  EXPECT_EQ(m.pixel_accuracy, 0.0);
}

TEST(MetricsTest, AddAccumulatesAcrossFrames) {
  ConfusionMatrix cm(2, -1);
  ASSERT_TRUE(cm.Add(Map(2, 1, {0, 1}), Map(2, 1, {0, 0})).ok());
  ASSERT_TRUE(cm.Add(Map(2, 1, {0, 1}), Map(2, 1, {0, 1})).ok());
  cm.AddPixel(1, 1);
  EXPECT_EQ(cm.count(0, 0), 2u);
  EXPECT_EQ(cm.count(1, 0), 1u);
  EXPECT_EQ(cm.count(1, 1), 2u);
  EXPECT_DOUBLE_EQ(cm.Compute().pixel_accuracy, 4.0 / 5);
}

TEST(MetricsTest, AddRejectsBadInputAndLeavesTheMatrixUnchanged) {
  ConfusionMatrix cm(/*num_classes=*/3, /*void_label=*/11);
  const struct {
    LabelMap gt;
    LabelMap pred;
    std::string message;
  } cases[] = {
      {Map(3, 1, {0, 1, 2}), Map(1, 3, {0, 1, 2}),
       "ground truth is 3x1 but prediction is 1x3"},
      {Map(2, 1, {0, 5}), Map(2, 1, {0, 1}),
       "ground truth label 5 at (1, 0) is not below the 3 classes"},
      {Map(2, 2, {0, 1, 11, 2}), Map(2, 2, {0, 1, 2, 3}),
       "prediction label 3 at (1, 1) is not below the 3 classes"},
      {Map(2, 1, {11, 0}), Map(2, 1, {11, 0}), "prediction label 11 at (0, 0)"},
      {Image::Create(2, 1, 3), Map(2, 1, {0, 0}),
       "ground truth has 3 channels, expected 1"},
      {Map(2, 1, {0, 0}), Image::Create(2, 1, 3),
       "prediction has 3 channels, expected 1"},
      {Map(2, 2, {0, 0}), Map(2, 2, {0, 0, 0, 0}),
       "ground truth holds 2 bytes, which does not match 2x2"},
  };
  for (const auto& c : cases) {
    const absl::Status status = cm.Add(c.gt, c.pred);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
  EXPECT_EQ(cm.Compute().counted_pixels, 0u);
}

TEST(MetricsTest, ToTableShowsPercentagesNamesAndMeans) {
  ConfusionMatrix cm(3, 255);
  ASSERT_TRUE(cm.Add(Map(2, 2, {0, 1, 1, 0}), Map(2, 2, {0, 0, 0, 0})).ok());
  const std::string table = cm.Compute().ToTable({"road", "car"});
  EXPECT_THAT(table, HasSubstr("road"));
  EXPECT_THAT(table, HasSubstr("car"));
  EXPECT_THAT(table, HasSubstr("class 2"));  // no name given
  EXPECT_THAT(table, HasSubstr("IoU%"));
  EXPECT_THAT(table, HasSubstr("  50.00   50.00  100.00   66.67"));  // road
  EXPECT_THAT(table, HasSubstr("mean"));
  EXPECT_THAT(table, HasSubstr("  25.00   50.00   50.00   33.33"));
  EXPECT_THAT(table, HasSubstr("pixel accuracy 50.00% over 4 pixels"));
  // Class 2 is undefined throughout: dashes, not zeros.
  const size_t row = table.find("class 2");
  ASSERT_NE(row, std::string::npos);
  const std::string line = table.substr(row, table.find('\n', row) - row);
  EXPECT_THAT(line, HasSubstr("      -       -       -       -"));
}

}  // namespace
}  // namespace tessera
