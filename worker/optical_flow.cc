#include "worker/optical_flow.h"

#include "absl/strings/str_format.h"
#include "worker/flow_backends.h"

namespace tessera::worker {

absl::Status CheckFlowInputs(const Image& current, const Image& key) {
  if (current.channels != 3 || key.channels != 3) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "optical flow needs two RGB images, got %d and %d channels",
        current.channels, key.channels));
  }
  if (current.size() != key.size() || current.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "optical flow needs two images of one size, got %dx%d and %dx%d",
        current.width, current.height, key.width, key.height));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<OpticalFlow>> CreateOpticalFlow(
    const OpticalFlowOptions& options) {
  if (!(options.scale > 0 && options.scale <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("flow scale %g is outside (0, 1]", options.scale));
  }
  if (options.backend == "dis") return CreateDisFlow(options);
  if (options.backend == "torchscript") return CreateTorchFlow(options);
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown optical flow backend '%s' (known: dis, torchscript)",
      options.backend));
}

}  // namespace tessera::worker
