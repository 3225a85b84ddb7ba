// cuda_graphs.h with a CUDA LibTorch.
#include "worker/cuda_graphs.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

#include <exception>

namespace tessera::worker {
namespace {

// Runs before a capture, on the capturing stream: the JIT's profiling
// executor settles on its optimised plan and cuDNN picks its algorithms
// during these, so that capture records the steady-state kernels.
constexpr int kWarmupRuns = 3;

}  // namespace

struct GraphedStep::Captured {
  at::Tensor input;  // the graph reads its input from here
  std::vector<at::Tensor> outputs;
  at::cuda::CUDAGraph graph;
};

bool CudaGraphsBuiltIn() { return true; }

GraphedStep::GraphedStep(Step step, int max_graphs)
    : step_(std::move(step)), max_graphs_(max_graphs) {}

GraphedStep::~GraphedStep() = default;

std::vector<at::Tensor> GraphedStep::Run(const at::Tensor& input) {
  if (!input.is_cuda() || capture_failed_) return step_(input);
  std::vector<int64_t> key = KeyOf(input);
  auto found = graphs_.find(key);
  if (found == graphs_.end()) {
    if (static_cast<int>(graphs_.size()) >= max_graphs_) graphs_.clear();
    auto captured = std::make_unique<Captured>();
    captured->input = input.clone();
    // Capture needs a stream other than the default one, idle at the start.
    torch::cuda::synchronize();
    try {
      c10::cuda::CUDAStreamGuard on_side_stream(c10::cuda::getStreamFromPool(
          /*isHighPriority=*/false, input.device().index()));
      for (int i = 0; i < kWarmupRuns; ++i) step_(captured->input);
      captured->graph.capture_begin();
      captured->outputs = step_(captured->input);
      captured->graph.capture_end();
    } catch (const std::exception&) {
      // A step that cannot be captured (one that synchronises with the
      // host, say) still runs, without graphs from now on.
      capture_failed_ = true;
      torch::cuda::synchronize();
      return step_(input);
    }
    torch::cuda::synchronize();
    found = graphs_.emplace(std::move(key), std::move(captured)).first;
  }
  Captured& graph = *found->second;
  graph.input.copy_(input, /*non_blocking=*/true);
  graph.graph.replay();
  return graph.outputs;
}

bool GraphedStep::ReadyFor(const at::Tensor& input) const {
  return capture_failed_ || graphs_.count(KeyOf(input)) > 0;
}

std::vector<int64_t> GraphedStep::KeyOf(const at::Tensor& input) {
  std::vector<int64_t> key = input.sizes().vec();
  key.push_back(static_cast<int64_t>(input.scalar_type()));
  return key;
}

}  // namespace tessera::worker
