// cuda_graphs.h for a LibTorch without CUDA: the step runs as it is.
#include "worker/cuda_graphs.h"

namespace tessera::worker {

struct GraphedStep::Captured {};

bool CudaGraphsBuiltIn() { return false; }

GraphedStep::GraphedStep(Step step, int max_graphs)
    : step_(std::move(step)), max_graphs_(max_graphs) {}

GraphedStep::~GraphedStep() = default;

std::vector<at::Tensor> GraphedStep::Run(const at::Tensor& input) {
  capture_failed_ = true;  // nothing is ever captured here
  return step_(input);
}

bool GraphedStep::ReadyFor(at::IntArrayRef /*sizes*/,
                           at::ScalarType /*type*/) const {
  return true;
}

}  // namespace tessera::worker
