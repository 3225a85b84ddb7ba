// cuda_graphs.h with a CUDA LibTorch.
#include "worker/cuda_graphs.h"

#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

#include <exception>

#include "common/log.h"

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
  std::vector<int64_t> key = KeyOf(input.sizes(), input.scalar_type());
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
      // Other threads' CUDA calls (a flow network, say) may go on meanwhile.
      captured->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      captured->outputs = step_(captured->input);
      captured->graph.capture_end();
    } catch (const std::exception& e) {
      // A step that cannot be captured (one that synchronises with the
      // host, say) still runs, without graphs from now on.
      TLOG(WARNING) << "CUDA graphs off: capturing a step of shape "
                    << input.sizes() << " failed: " << e.what();
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

bool GraphedStep::ReadyFor(at::IntArrayRef sizes, at::ScalarType type) const {
  return capture_failed_ || graphs_.count(KeyOf(sizes, type)) > 0;
}

std::vector<int64_t> GraphedStep::KeyOf(at::IntArrayRef sizes,
                                        at::ScalarType type) {
  std::vector<int64_t> key = sizes.vec();
  key.push_back(static_cast<int64_t>(type));
  return key;
}

}  // namespace tessera::worker
