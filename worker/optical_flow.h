// Optical flow for the flow path, behind one interface whatever computes it:
// OpenCV's DIS (the default: fast on any CPU) or a TorchScript flow network.
// Flow is backward (common/flow_field.h): from the current region to its key.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<OpticalFlow> flow,
//                    CreateOpticalFlow({.backend = "dis"}));
//   ASSIGN_OR_RETURN(FlowField f, flow->Compute(current, key));
#ifndef TESSERA_WORKER_OPTICAL_FLOW_H_
#define TESSERA_WORKER_OPTICAL_FLOW_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/flow_field.h"
#include "common/image.h"

namespace tessera::worker {

struct OpticalFlowOptions {
  std::string backend = "dis";  // or "torchscript"
  // DIS preset: "ultrafast", "fast" or "medium".
  std::string preset = "ultrafast";
  // Flow is computed on images scaled by this factor (0 < scale <= 1) and
  // resized back. Full resolution is the default: on generated clips, half
  // resolution saved 1.3 ms per region but cost 1.8 mIoU at the same share
  // of warped regions (small objects' motion is lost; BENCHMARKS.md).
  double scale = 1.0;
  // torchscript: a module `forward(current, key) -> flow` taking two
  // [1, 3, H, W] float RGB tensors in 0..1 and returning [1, 2, h, w]
  // backward flow in pixels of its own h x w grid (any h, w).
  std::string model_path;
  std::string device = "cpu";
  int threads = 0;  // intra-op threads for torchscript; 0: leave as is
};

class OpticalFlow {
 public:
  virtual ~OpticalFlow() = default;
  // Flow at the images' resolution. INVALID_ARGUMENT when the two images
  // differ in size or are not RGB. Not thread-safe.
  virtual absl::StatusOr<FlowField> Compute(const Image& current,
                                            const Image& key) = 0;
  virtual std::string name() const = 0;
};

// INVALID_ARGUMENT for an unknown backend or preset or a scale outside
// (0, 1]; NOT_FOUND / INVALID_ARGUMENT for a missing or broken flow model.
absl::StatusOr<std::unique_ptr<OpticalFlow>> CreateOpticalFlow(
    const OpticalFlowOptions& options);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_OPTICAL_FLOW_H_
