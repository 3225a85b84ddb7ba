// Helpers shared by the worker's LibTorch backends (segmenter, flow). Include
// only from .cc files that already use LibTorch: it pulls in its headers.
#ifndef TESSERA_WORKER_TORCH_UTIL_H_
#define TESSERA_WORKER_TORCH_UTIL_H_

#include <torch/script.h>
#include <torch/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace tessera::worker {

// LibTorch messages carry a C++ backtrace after the first line.
std::string FirstLine(const std::string& text);

// "cpu", "cuda" or "cuda:N"; FAILED_PRECONDITION when CUDA is asked for but
// this build or machine has none, INVALID_ARGUMENT for anything else.
absl::StatusOr<torch::Device> ParseTorchDevice(const std::string& name);

// torch::jit::load on `device`, in eval mode. INVALID_ARGUMENT naming `what`
// (e.g. "model", "flow model") and the path when the file does not load.
absl::StatusOr<torch::jit::Module> LoadTorchScript(const std::string& path,
                                                   torch::Device device,
                                                   const std::string& what);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_TORCH_UTIL_H_
