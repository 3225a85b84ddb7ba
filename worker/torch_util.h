// Helpers shared by the worker's LibTorch backends (segmenter, flow). Include
// only from .cc files that already use LibTorch: it pulls in its headers.
#ifndef TESSERA_WORKER_TORCH_UTIL_H_
#define TESSERA_WORKER_TORCH_UTIL_H_

#include <torch/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace tessera::worker {

// LibTorch messages carry a C++ backtrace after the first line.
std::string FirstLine(const std::string& text);

// "cpu", "cuda" or "cuda:N"; FAILED_PRECONDITION when CUDA is asked for but
// this build or machine has none, INVALID_ARGUMENT for anything else.
absl::StatusOr<torch::Device> ParseTorchDevice(const std::string& name);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_TORCH_UTIL_H_
