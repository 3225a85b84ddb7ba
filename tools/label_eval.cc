#include "tools/label_eval.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/image_codec.h"
#include "common/palette.h"

namespace tessera::tools {
namespace {

namespace fs = std::filesystem;

constexpr char kCityscapesGtSuffix[] = "_gtFine_labelIds.png";

absl::StatusOr<LabelMap> ReadLabels(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrFormat("cannot read %s", path.string()));
  }
  std::stringstream bytes;
  bytes << file.rdbuf();
  absl::StatusOr<Image> labels =
      DecodeImage(bytes.str(), Encoding::kPng, {.channels = 1});
  if (!labels.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s", path.string(), labels.status().message()));
  }
  return labels;
}

// The prediction file that answers a ground-truth file, by layout.
std::vector<fs::path> PredictionCandidates(const fs::path& folder,
                                           const std::string& gt_name,
                                           LabelLayout layout) {
  if (layout == LabelLayout::kCamVid) return {folder / gt_name};
  const std::string stem =
      gt_name.substr(0, gt_name.size() - (sizeof(kCityscapesGtSuffix) - 1));
  return {folder / (stem + "_leftImg8bit.png"), folder / (stem + ".png")};
}

std::string JsonNumber(const std::optional<double>& value) {
  return value ? absl::StrFormat("%.6f", *value) : "null";
}

}  // namespace

int CityscapesTrainId(int label_id) {
  // The official table (cityscapesscripts labels.py): label id -> train id.
  static constexpr int kTrainIds[34] = {
      255, 255, 255, 255, 255, 255, 255, 0,  1,  255, 255, 2,
      3,   4,   255, 255, 255, 5,   255, 6,  7,  8,   9,   10,
      11,  12,  13,  14,  15,  255, 255, 16, 17, 18};
  return label_id >= 0 && label_id < 34 ? kTrainIds[label_id] : 255;
}

std::string EvalReport::ToJson() const {
  std::vector<std::string> classes;
  for (size_t i = 0; i < metrics.classes.size(); ++i) {
    const ClassMetrics& c = metrics.classes[i];
    classes.push_back(absl::StrFormat(
        "{\"id\": %d, \"name\": \"%s\", \"iou\": %s, \"precision\": %s, "
        "\"recall\": %s, \"f1\": %s, \"dice\": %s, \"gt_pixels\": %d, "
        "\"predicted_pixels\": %d}",
        i, i < class_names.size() ? class_names[i] : "", JsonNumber(c.iou),
        JsonNumber(c.precision), JsonNumber(c.recall), JsonNumber(c.f1),
        JsonNumber(c.f1), c.ground_truth_pixels, c.predicted_pixels));
  }
  return absl::StrFormat(
      "{\n  \"images\": %d,\n  \"pixels\": %d,\n  \"mean_iou\": %.6f,\n"
      "  \"pixel_accuracy\": %.6f,\n  \"mean_precision\": %.6f,\n"
      "  \"mean_recall\": %.6f,\n  \"mean_f1\": %.6f,\n  \"mean_dice\": %.6f,\n"
      "  \"classes\": [\n    %s\n  ]\n}\n",
      images, metrics.counted_pixels, metrics.mean_iou, metrics.pixel_accuracy,
      metrics.mean_precision, metrics.mean_recall, metrics.mean_f1,
      metrics.mean_dice, absl::StrJoin(classes, ",\n    "));
}

absl::StatusOr<EvalReport> EvaluateFolders(const EvalOptions& options) {
  for (const std::string& folder :
       {options.predictions, options.ground_truth}) {
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
      return absl::NotFoundError(
          absl::StrFormat("folder %s does not exist", folder));
    }
  }
  const bool cityscapes = options.layout == LabelLayout::kCityscapes;
  const Palette& palette = cityscapes ? CityscapesPalette() : CamVidPalette();
  const int classes = static_cast<int>(palette.colors.size());
  std::vector<std::string> gt_names;
  for (const auto& entry : fs::directory_iterator(options.ground_truth)) {
    const std::string name = entry.path().filename().string();
    if (cityscapes ? absl::EndsWith(name, kCityscapesGtSuffix)
                   : absl::EndsWith(name, ".png")) {
      gt_names.push_back(name);
    }
  }
  std::sort(gt_names.begin(), gt_names.end());
  if (gt_names.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "no ground-truth label PNG (%s) in %s",
        cityscapes ? std::string("*") + kCityscapesGtSuffix : "*.png",
        options.ground_truth));
  }
  std::vector<fs::path> ordered_predictions;
  if (options.match_by_order) {
    for (const auto& entry : fs::directory_iterator(options.predictions)) {
      if (entry.path().extension() == ".png") {
        ordered_predictions.push_back(entry.path());
      }
    }
    std::sort(ordered_predictions.begin(), ordered_predictions.end());
    if (ordered_predictions.size() != gt_names.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%d predictions in %s but %d ground-truth files in %s",
          ordered_predictions.size(), options.predictions, gt_names.size(),
          options.ground_truth));
    }
  }
  ConfusionMatrix confusion(classes, cityscapes ? 255 : classes);
  EvalReport report;
  report.class_names = palette.class_names;
  for (size_t i = 0; i < gt_names.size(); ++i) {
    const std::string& gt_name = gt_names[i];
    const fs::path gt_path = fs::path(options.ground_truth) / gt_name;
    std::vector<fs::path> candidates =
        options.match_by_order ? std::vector<fs::path>{ordered_predictions[i]}
                               : PredictionCandidates(options.predictions,
                                                      gt_name, options.layout);
    auto found = std::find_if(candidates.begin(), candidates.end(),
                              [](const fs::path& p) { return fs::exists(p); });
    if (found == candidates.end()) {
      return absl::NotFoundError(
          absl::StrFormat("no prediction %s for ground truth %s",
                          candidates[0].string(), gt_path.string()));
    }
    absl::StatusOr<LabelMap> truth = ReadLabels(gt_path);
    if (!truth.ok()) return truth.status();
    absl::StatusOr<LabelMap> prediction = ReadLabels(*found);
    if (!prediction.ok()) return prediction.status();
    if (cityscapes) {
      for (uint8_t& id : truth->pixels) {
        id = static_cast<uint8_t>(CityscapesTrainId(id));
      }
    }
    absl::Status added = confusion.Add(*truth, *prediction);
    if (!added.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s vs %s: %s", found->string(), gt_path.string(), added.message()));
    }
    ++report.images;
  }
  report.metrics = confusion.Compute();
  return report;
}

}  // namespace tessera::tools
