#include "worker/torch_util.h"

#include <torch/cuda.h>

#include "absl/strings/str_format.h"

namespace tessera::worker {

std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

absl::StatusOr<torch::Device> ParseTorchDevice(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("device '%s' is not cpu, cuda or cuda:N", name));
  }
  if (!torch::cuda::is_available()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "device %s requested, but this LibTorch build has no CUDA or no GPU "
        "is visible",
        name));
  }
  try {
    torch::Device device(name);
    if (device.index() >= static_cast<int>(torch::cuda::device_count())) {
      return absl::InvalidArgumentError(
          absl::StrFormat("device %s: only %d GPUs are visible", name,
                          torch::cuda::device_count()));
    }
    return device;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "device '%s' is not valid: %s", name, FirstLine(e.what())));
  }
}

absl::StatusOr<torch::jit::Module> LoadTorchScript(const std::string& path,
                                                   torch::Device device,
                                                   const std::string& what) {
  try {
    torch::jit::Module module = torch::jit::load(path, device);
    module.eval();
    return module;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot load TorchScript %s %s: %s", what, path, FirstLine(e.what())));
  }
}

}  // namespace tessera::worker
