#include "common/metrics.h"

#include <algorithm>
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tessera {
namespace {

// Some value when the denominator is non-zero; undefined (0/0) otherwise.
std::optional<double> Ratio(uint64_t numerator, uint64_t denominator) {
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

// Mean over the classes where `field` is defined; 0 when none is.
double MeanDefined(const std::vector<ClassMetrics>& classes,
                   std::optional<double> ClassMetrics::*field) {
  double sum = 0;
  int defined = 0;
  for (const ClassMetrics& c : classes) {
    if ((c.*field).has_value()) {
      sum += *(c.*field);
      ++defined;
    }
  }
  return defined == 0 ? 0 : sum / defined;
}

std::string Percent(const std::optional<double>& value) {
  return value ? absl::StrFormat("%7.2f", *value * 100) : "      -";
}

absl::Status CheckLabelMap(const LabelMap& map, const char* what) {
  if (map.channels != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s has %d channels, expected 1", what, map.channels));
  }
  if (map.width < 0 || map.height < 0 ||
      map.pixels.size() != static_cast<size_t>(map.width) * map.height) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s holds %d bytes, which does not match %dx%d", what,
                        map.pixels.size(), map.width, map.height));
  }
  return absl::OkStatus();
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(int num_classes, int void_label)
    : num_classes_(std::max(num_classes, 0)),
      void_label_(void_label),
      counts_(static_cast<size_t>(num_classes_) * num_classes_, 0) {}

absl::Status ConfusionMatrix::Add(const LabelMap& ground_truth,
                                  const LabelMap& prediction) {
  if (absl::Status s = CheckLabelMap(ground_truth, "ground truth"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLabelMap(prediction, "prediction"); !s.ok()) {
    return s;
  }
  if (ground_truth.size() != prediction.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "ground truth is %dx%d but prediction is %dx%d", ground_truth.width,
        ground_truth.height, prediction.width, prediction.height));
  }
  // Validate everything before counting anything, so that a bad pair leaves
  // the matrix as it was.
  const size_t n = ground_truth.pixels.size();
  for (size_t i = 0; i < n; ++i) {
    const int gt = ground_truth.pixels[i];
    const int pred = prediction.pixels[i];
    const char* bad = nullptr;
    int label = 0;
    if (gt != void_label_ && gt >= num_classes_) {
      bad = "ground truth";
      label = gt;
    } else if (pred >= num_classes_) {
      // Checked under void ground truth too: a model never emits such a
      // label, so seeing one means a bug upstream.
      bad = "prediction";
      label = pred;
    }
    if (bad != nullptr) {
      const int width = std::max(ground_truth.width, 1);
      return absl::InvalidArgumentError(
          absl::StrFormat("%s label %d at (%d, %d) is not below the %d classes",
                          bad, label, static_cast<int>(i % width),
                          static_cast<int>(i / width), num_classes_));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    AddPixel(ground_truth.pixels[i], prediction.pixels[i]);
  }
  return absl::OkStatus();
}

void ConfusionMatrix::AddPixel(int ground_truth, int prediction) {
  if (ground_truth == void_label_) return;
  // The caller promised valid labels; dropping a bad one beats writing out of
  // bounds.
  if (ground_truth < 0 || ground_truth >= num_classes_ || prediction < 0 ||
      prediction >= num_classes_) {
    return;
  }
  ++counts_[static_cast<size_t>(ground_truth) * num_classes_ + prediction];
}

uint64_t ConfusionMatrix::count(int ground_truth, int prediction) const {
  if (ground_truth < 0 || ground_truth >= num_classes_ || prediction < 0 ||
      prediction >= num_classes_) {
    return 0;
  }
  return counts_[static_cast<size_t>(ground_truth) * num_classes_ + prediction];
}

SegmentationMetrics ConfusionMatrix::Compute() const {
  SegmentationMetrics m;
  m.classes.resize(num_classes_);
  uint64_t correct = 0;
  for (int gt = 0; gt < num_classes_; ++gt) {
    for (int pred = 0; pred < num_classes_; ++pred) {
      const uint64_t c = count(gt, pred);
      m.classes[gt].ground_truth_pixels += c;
      m.classes[pred].predicted_pixels += c;
      m.counted_pixels += c;
    }
    correct += count(gt, gt);
  }
  for (int k = 0; k < num_classes_; ++k) {
    ClassMetrics& c = m.classes[k];
    const uint64_t tp = count(k, k);
    // gt + pred - tp = tp + false positives + false negatives.
    const uint64_t union_pixels =
        c.ground_truth_pixels + c.predicted_pixels - tp;
    c.iou = Ratio(tp, union_pixels);
    c.precision = Ratio(tp, c.predicted_pixels);
    c.recall = Ratio(tp, c.ground_truth_pixels);
    c.f1 = Ratio(2 * tp, c.ground_truth_pixels + c.predicted_pixels);
  }
  m.mean_iou = MeanDefined(m.classes, &ClassMetrics::iou);
  m.mean_precision = MeanDefined(m.classes, &ClassMetrics::precision);
  m.mean_recall = MeanDefined(m.classes, &ClassMetrics::recall);
  m.mean_f1 = MeanDefined(m.classes, &ClassMetrics::f1);
  m.mean_dice = m.mean_f1;
  m.pixel_accuracy = m.counted_pixels == 0
                         ? 0
                         : static_cast<double>(correct) / m.counted_pixels;
  return m;
}

std::string SegmentationMetrics::ToTable(
    const std::vector<std::string>& class_names) const {
  std::vector<std::string> names;
  size_t name_width = 4;  // "mean"
  for (size_t k = 0; k < classes.size(); ++k) {
    names.push_back(k < class_names.size() && !class_names[k].empty()
                        ? class_names[k]
                        : absl::StrCat("class ", k));
    name_width = std::max(name_width, names.back().size());
  }
  const auto padded = [name_width](const std::string& s) {
    return s + std::string(name_width - std::min(name_width, s.size()), ' ');
  };
  std::string out = absl::StrFormat("%3s  %s %12s %12s %7s %7s %7s %7s\n", "id",
                                    padded("class"), "gt px", "pred px", "IoU%",
                                    "prec%", "rec%", "F1%");
  for (size_t k = 0; k < classes.size(); ++k) {
    const ClassMetrics& c = classes[k];
    absl::StrAppend(
        &out, absl::StrFormat(
                  "%3d  %s %12d %12d %s %s %s %s\n", k, padded(names[k]),
                  c.ground_truth_pixels, c.predicted_pixels, Percent(c.iou),
                  Percent(c.precision), Percent(c.recall), Percent(c.f1)));
  }
  absl::StrAppend(
      &out,
      absl::StrFormat("%3s  %s %12s %12s %7.2f %7.2f %7.2f %7.2f\n", "",
                      padded("mean"), "", "", mean_iou * 100,
                      mean_precision * 100, mean_recall * 100, mean_f1 * 100));
  absl::StrAppend(&out,
                  absl::StrFormat("pixel accuracy %.2f%% over %d pixels\n",
                                  pixel_accuracy * 100, counted_pixels));
  return out;
}

}  // namespace tessera
