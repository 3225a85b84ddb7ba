// Factories of the concrete optical flow backends, for optical_flow.cc only.
#ifndef TESSERA_WORKER_FLOW_BACKENDS_H_
#define TESSERA_WORKER_FLOW_BACKENDS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "worker/optical_flow.h"

namespace tessera::worker {

absl::StatusOr<std::unique_ptr<OpticalFlow>> CreateDisFlow(
    const OpticalFlowOptions& options);
absl::StatusOr<std::unique_ptr<OpticalFlow>> CreateTorchFlow(
    const OpticalFlowOptions& options);

// Shared argument checks: INVALID_ARGUMENT naming both sizes.
absl::Status CheckFlowInputs(const Image& current, const Image& key);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_FLOW_BACKENDS_H_
