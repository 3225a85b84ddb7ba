#include "tools/label_eval.h"

#include <filesystem>
#include <fstream>

#include "common/image_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::tools {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void WriteLabels(const fs::path& path, std::vector<uint8_t> ids, int width) {
  LabelMap labels;
  labels.width = width;
  labels.height = static_cast<int>(ids.size()) / width;
  labels.channels = 1;
  labels.pixels = std::move(ids);
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << *EncodeImage(labels, Encoding::kPng);
}

fs::path Fresh(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / ("eval-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir / "pred");
  fs::create_directories(dir / "gt");
  return dir;
}

TEST(LabelEvalTest, CamvidHandComputed) {
  const fs::path dir = Fresh("camvid");
  // Ground truth 0 0 / 1 void, prediction 0 1 / 1 1: the void pixel does
  // not count. Class 0: 2 true, 1 predicted, 1 both -> IoU 1/2. Class 1:
  // 1 true, 2 predicted, 1 both -> IoU 1/2. Accuracy 2 of 3.
  WriteLabels(dir / "gt" / "a.png", {0, 0, 1, 11}, 2);
  WriteLabels(dir / "pred" / "a.png", {0, 1, 1, 1}, 2);
  absl::StatusOr<EvalReport> report =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string()});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->images, 1);
  EXPECT_EQ(report->metrics.counted_pixels, 3u);
  EXPECT_DOUBLE_EQ(*report->metrics.classes[0].iou, 0.5);
  EXPECT_DOUBLE_EQ(*report->metrics.classes[1].iou, 0.5);
  EXPECT_FALSE(report->metrics.classes[2].iou.has_value());
  EXPECT_DOUBLE_EQ(report->metrics.mean_iou, 0.5);
  EXPECT_NEAR(report->metrics.pixel_accuracy, 2.0 / 3, 1e-12);
  const std::string json = report->ToJson();
  EXPECT_THAT(json, HasSubstr("\"mean_iou\": 0.500000"));
  EXPECT_THAT(json, HasSubstr("\"name\": \"Sky\", \"iou\": 0.500000"));
  EXPECT_THAT(json, HasSubstr("\"name\": \"Pole\", \"iou\": null"));

  // Paired by order, a differently named prediction scores the same.
  fs::rename(dir / "pred" / "a.png", dir / "pred" / "000000.png");
  absl::StatusOr<EvalReport> by_order =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string(),
                       .match_by_order = true});
  ASSERT_TRUE(by_order.ok()) << by_order.status();
  EXPECT_DOUBLE_EQ(by_order->metrics.mean_iou, 0.5);
}

TEST(LabelEvalTest, CityscapesMapsLabelIdsToTrainIds) {
  EXPECT_EQ(CityscapesTrainId(7), 0);    // road
  EXPECT_EQ(CityscapesTrainId(8), 1);    // sidewalk
  EXPECT_EQ(CityscapesTrainId(26), 13);  // car
  EXPECT_EQ(CityscapesTrainId(33), 18);  // bicycle
  EXPECT_EQ(CityscapesTrainId(0), 255);  // unlabeled
  EXPECT_EQ(CityscapesTrainId(-1), 255);
  const fs::path dir = Fresh("cityscapes");
  // Ground truth road car / unlabeled road; prediction (train ids)
  // road car / building sidewalk. Road: 2 true, 1 predicted, 1 both -> 1/2;
  // car 1/1 -> 1; sidewalk predicted once, never true -> 0. mIoU 1/2.
  WriteLabels(dir / "gt" / "x_000001_gtFine_labelIds.png", {7, 26, 0, 7}, 2);
  WriteLabels(dir / "pred" / "x_000001_leftImg8bit.png", {0, 13, 2, 1}, 2);
  absl::StatusOr<EvalReport> report =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string(),
                       .layout = LabelLayout::kCityscapes});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->metrics.classes.size(), 19u);
  EXPECT_DOUBLE_EQ(*report->metrics.classes[0].iou, 0.5);
  EXPECT_DOUBLE_EQ(*report->metrics.classes[13].iou, 1.0);
  EXPECT_DOUBLE_EQ(*report->metrics.classes[1].iou, 0.0);
  EXPECT_DOUBLE_EQ(report->metrics.mean_iou, 0.5);
  EXPECT_NEAR(report->metrics.pixel_accuracy, 2.0 / 3, 1e-12);
}

TEST(LabelEvalTest, RejectsWhatItCannotScore) {
  const fs::path dir = Fresh("bad");
  absl::StatusOr<EvalReport> empty =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string()});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("no ground-truth label PNG"));

  absl::StatusOr<EvalReport> missing_folder =
      EvaluateFolders({.predictions = (dir / "nope").string(),
                       .ground_truth = (dir / "gt").string()});
  EXPECT_EQ(missing_folder.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing_folder.status().message(), HasSubstr("does not exist"));

  WriteLabels(dir / "gt" / "a.png", {0, 0, 1, 1}, 2);
  absl::StatusOr<EvalReport> no_prediction =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string()});
  EXPECT_EQ(no_prediction.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(no_prediction.status().message(), HasSubstr("no prediction"));

  WriteLabels(dir / "pred" / "a.png", {0, 0, 1, 1, 2, 2}, 3);
  absl::StatusOr<EvalReport> sizes =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string()});
  EXPECT_EQ(sizes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sizes.status().message(), HasSubstr("a.png"));

  std::ofstream(dir / "pred" / "a.png") << "not a png";
  absl::StatusOr<EvalReport> corrupt =
      EvaluateFolders({.predictions = (dir / "pred").string(),
                       .ground_truth = (dir / "gt").string()});
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(corrupt.status().message(), HasSubstr("pred/a.png"));
}

}  // namespace
}  // namespace tessera::tools
