// Segmentation quality from a confusion matrix: per-class IoU, mIoU, pixel
// accuracy, precision, recall, F1 and Dice, with one void label ignored.
//
//   ConfusionMatrix cm(/*num_classes=*/11, /*void_label=*/11);
//   RETURN_IF_ERROR(cm.Add(ground_truth, prediction));
//   SegmentationMetrics m = cm.Compute();   // m.mean_iou in 0..1
#ifndef TESSERA_COMMON_METRICS_H_
#define TESSERA_COMMON_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/image.h"

namespace tessera {

struct ClassMetrics {
  // Empty optional where the quantity is undefined (0/0): e.g. the IoU of a
  // class that appears in neither ground truth nor prediction.
  std::optional<double> iou;
  std::optional<double> precision;
  std::optional<double> recall;
  std::optional<double> f1;  // equals Dice for a single class
  uint64_t ground_truth_pixels = 0;
  uint64_t predicted_pixels = 0;
};

struct SegmentationMetrics {
  std::vector<ClassMetrics> classes;
  // Means over the classes where the quantity is defined.
  double mean_iou = 0;
  double mean_precision = 0;
  double mean_recall = 0;
  double mean_f1 = 0;
  double mean_dice = 0;  // same as mean_f1; kept under both names
  double pixel_accuracy = 0;
  uint64_t counted_pixels = 0;  // ground truth not void
  // A human-readable table; class_names may be empty.
  std::string ToTable(const std::vector<std::string>& class_names) const;
};

class ConfusionMatrix {
 public:
  // Ground-truth pixels equal to `void_label` are skipped. A void_label of -1
  // counts every pixel.
  ConfusionMatrix(int num_classes, int void_label);

  // INVALID_ARGUMENT when sizes differ, either map is not one channel, or a
  // label (other than void in the ground truth) is >= num_classes.
  absl::Status Add(const LabelMap& ground_truth, const LabelMap& prediction);

  // Adds one pixel; labels must already be valid.
  void AddPixel(int ground_truth, int prediction);

  SegmentationMetrics Compute() const;
  uint64_t count(int ground_truth, int prediction) const;
  int num_classes() const { return num_classes_; }

 private:
  int num_classes_;
  int void_label_;
  std::vector<uint64_t> counts_;  // row: ground truth, column: prediction
};

}  // namespace tessera

#endif  // TESSERA_COMMON_METRICS_H_
