// tessera-eval: scores predicted label PNGs against ground truth (CamVid or
// Cityscapes layout), prints per-class IoU, precision, recall, F1/Dice, mIoU
// and pixel accuracy, and writes the same as JSON.
//
//   tessera-eval --pred=out/labels --gt=camvid/valannot --json=scores.json
#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/label_eval.h"

ABSL_FLAG(std::string, pred, "", "folder of predicted label PNGs");
ABSL_FLAG(std::string, gt, "", "folder of ground-truth label PNGs");
ABSL_FLAG(std::string, layout, "camvid", "camvid | cityscapes");
ABSL_FLAG(std::string, json, "", "also write the scores here as JSON");
ABSL_FLAG(bool, by_order, false,
          "pair files in name order instead of by name (for tessera-stream "
          "outputs, which are named by frame index)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-eval --pred=PRED_DIR --gt=GT_DIR [--layout=cityscapes] "
      "[--json=out.json]");
  absl::ParseCommandLine(argc, argv);
  tessera::tools::EvalOptions options;
  options.predictions = absl::GetFlag(FLAGS_pred);
  options.ground_truth = absl::GetFlag(FLAGS_gt);
  options.match_by_order = absl::GetFlag(FLAGS_by_order);
  const std::string layout = absl::GetFlag(FLAGS_layout);
  if (options.predictions.empty() || options.ground_truth.empty()) {
    std::fprintf(stderr, "tessera-eval: --pred and --gt are required\n");
    return 2;
  }
  if (layout == "cityscapes") {
    options.layout = tessera::tools::LabelLayout::kCityscapes;
  } else if (layout != "camvid") {
    std::fprintf(stderr,
                 "tessera-eval: --layout=%s: expected camvid or cityscapes\n",
                 layout.c_str());
    return 2;
  }
  absl::StatusOr<tessera::tools::EvalReport> report =
      tessera::tools::EvaluateFolders(options);
  if (!report.ok()) {
    std::fprintf(stderr, "tessera-eval: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  std::printf("%d images\n%s", report->images,
              report->metrics.ToTable(report->class_names).c_str());
  if (const std::string json = absl::GetFlag(FLAGS_json); !json.empty()) {
    std::ofstream file(json);
    file << report->ToJson();
    if (!file) {
      std::fprintf(stderr, "tessera-eval: cannot write %s\n", json.c_str());
      return 1;
    }
  }
  return 0;
}
