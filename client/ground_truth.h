// Scores predicted masks against a folder of ground-truth label PNGs (one
// class id per pixel), matched to the masks in name order: what
// `tessera-stream --gt` and tessera-bench report as accuracy.
//
//   ASSIGN_OR_RETURN(GroundTruth truth,
//                    GroundTruth::Open("clip/labels", 11, /*void_label=*/11));
//   for (const LabelMap& mask : masks) RETURN_IF_ERROR(truth.Add(mask));
//   SegmentationMetrics m = truth.Compute();
#ifndef TESSERA_CLIENT_GROUND_TRUTH_H_
#define TESSERA_CLIENT_GROUND_TRUTH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/image.h"
#include "common/metrics.h"

namespace tessera::client {

class GroundTruth {
 public:
  // NOT_FOUND when `folder` does not exist, INVALID_ARGUMENT when it holds
  // no PNG.
  static absl::StatusOr<GroundTruth> Open(const std::string& folder,
                                          int num_classes, int void_label);

  // Scores the next mask against the next file. INVALID_ARGUMENT naming the
  // file when it is unreadable or its size or labels do not fit. Masks past
  // the last file are not scored.
  absl::Status Add(const LabelMap& mask);
  // The next frame got no mask (dropped or refused): its file is passed over.
  void Skip() { ++next_; }
  SegmentationMetrics Compute() const { return confusion_.Compute(); }

 private:
  GroundTruth(std::vector<std::string> files, int num_classes, int void_label)
      : files_(std::move(files)), confusion_(num_classes, void_label) {}

  std::vector<std::string> files_;
  size_t next_ = 0;
  ConfusionMatrix confusion_;
};

}  // namespace tessera::client

#endif  // TESSERA_CLIENT_GROUND_TRUTH_H_
