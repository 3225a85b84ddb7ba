// A GPU step (device tensors in, device tensors out) captured once per
// input shape as a CUDA graph and replayed after that: one launch instead
// of the hundreds of small kernels a segmentation network and its
// post-processing launch, which is what bounds a small model on a large
// GPU. Only with a CUDA LibTorch (worker/CMakeLists.txt picks the file);
// the CPU build's GraphedStep runs the step as it is.
//
// Includes LibTorch: include it from .cc files only.
//
//   GraphedStep step([&](const torch::Tensor& x) { return Label(x); });
//   std::vector<at::Tensor> out = step.Run(pixels_on_gpu);
#ifndef TESSERA_WORKER_CUDA_GRAPHS_H_
#define TESSERA_WORKER_CUDA_GRAPHS_H_

#include <ATen/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace tessera::worker {

// Whether this build can capture CUDA graphs.
bool CudaGraphsBuiltIn();

class GraphedStep {
 public:
  using Step = std::function<std::vector<at::Tensor>(const at::Tensor& input)>;

  // At most `max_graphs` shapes are kept; past that all are dropped and
  // captured again as they come (regions of a deployment have few sizes).
  explicit GraphedStep(Step step, int max_graphs = 16);
  ~GraphedStep();

  // The step's outputs for `input`. With graphs they are the graph's own
  // tensors, overwritten by the next Run of the same shape: copy them (to
  // the host, say) before running again. Throws what the step throws. A
  // step that cannot be captured runs as it is, then and from then on.
  std::vector<at::Tensor> Run(const at::Tensor& input);

  // False when Run on a device tensor of this shape and type would capture
  // a new graph. A capture must be the only work on the GPU while it
  // lasts, so callers that share the GPU take turns for it.
  bool ReadyFor(at::IntArrayRef sizes, at::ScalarType type) const;

 private:
  static std::vector<int64_t> KeyOf(at::IntArrayRef sizes, at::ScalarType type);
  struct Captured;
  Step step_;
  int max_graphs_;
  bool capture_failed_ = false;
  std::map<std::vector<int64_t>, std::unique_ptr<Captured>> graphs_;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_CUDA_GRAPHS_H_
