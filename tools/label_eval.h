// Scores a folder of predicted label PNGs against a folder of ground truth,
// in the CamVid layout (same file names, ids 0..10, void 11) or the
// Cityscapes layout (ground truth `<stem>_gtFine_labelIds.png` holding the 34
// label ids, mapped to the official 19 train ids; predictions
// `<stem>_leftImg8bit.png` or `<stem>.png` holding train ids; void 255).
//
//   ASSIGN_OR_RETURN(EvalReport report,
//                    EvaluateFolders({.predictions = "out/labels",
//                                     .ground_truth = "camvid/valannot"}));
//   std::puts(report.metrics.ToTable(report.class_names).c_str());
#ifndef TESSERA_TOOLS_LABEL_EVAL_H_
#define TESSERA_TOOLS_LABEL_EVAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics.h"

namespace tessera::tools {

enum class LabelLayout { kCamVid, kCityscapes };

struct EvalOptions {
  std::string predictions;
  std::string ground_truth;
  LabelLayout layout = LabelLayout::kCamVid;
  // Pair the i-th prediction with the i-th ground truth in name order
  // (tessera-stream names its outputs by frame index, not by source file).
  bool match_by_order = false;
};

struct EvalReport {
  SegmentationMetrics metrics;
  std::vector<std::string> class_names;
  int images = 0;
  std::string ToJson() const;
};

// Cityscapes label id (0..33, -1) to train id (0..18, 255 = void).
int CityscapesTrainId(int label_id);

// Errors, each naming the file or folder: NOT_FOUND for a missing folder or
// a ground-truth file without its prediction, INVALID_ARGUMENT for an
// unreadable PNG, differing sizes, or a predicted id outside the classes.
absl::StatusOr<EvalReport> EvaluateFolders(const EvalOptions& options);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_LABEL_EVAL_H_
