// The cards and costs of a segmentation network cut into pipeline stages
// (issue 9), measured on this machine: for each stage the submodules it
// runs, the tensors crossing its edges with their shapes and bytes (fp32,
// and fp16 as they would travel), and its time per region; beside them the
// whole model's time, whether the stages reproduce its scores exactly, and
// how many labels survive fp16 between stages. What decides whether
// pipelining a network beats giving whole regions to more workers.
//
//   ASSIGN_OR_RETURN(StageReport report,
//                    ProfileStages({.model_path = "models/camvid.pt",
//                                   .cuts = {"s16", "ppm"}}));
#ifndef TESSERA_TOOLS_STAGE_PROFILE_H_
#define TESSERA_TOOLS_STAGE_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tessera::tools {

struct TensorCard {
  std::string name;
  std::vector<int64_t> shape;
  int64_t elements() const;
};

struct StageProfile {
  std::vector<std::string> submodules;
  std::vector<TensorCard> inputs;
  std::vector<TensorCard> outputs;
  int64_t output_bytes_fp32 = 0;
  int64_t output_bytes_fp16 = 0;
  double ms = 0;  // median time per region
};

struct StageReport {
  std::string model;
  std::vector<std::string> cut_points;  // where cuts can go, in call order
  int width = 0;                        // the network's input, after padding
  int height = 0;
  int threads = 0;
  std::vector<StageProfile> stages;
  double whole_ms = 0;  // median time per region of the uncut model
  bool fp32_identical = false;
  double fp16_label_agreement = 0;  // fraction of pixels, 0..1
};

struct StageProfileOptions {
  std::string model_path;
  std::vector<std::string> cuts;
  // An image file as the region, normalised as the model card says and
  // zero-padded to its size divisor; empty: a generated 480x360 scene.
  std::string frame;
  int threads = 1;
  int runs = 20;  // timed runs per stage (and of the whole model)
};

// INVALID_ARGUMENT for a model, card, frame or cut that does not work,
// naming it.
absl::StatusOr<StageReport> ProfileStages(const StageProfileOptions& options);

std::string StageReportJson(const StageReport& report);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_STAGE_PROFILE_H_
