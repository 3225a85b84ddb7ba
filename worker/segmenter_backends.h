// Factories of the concrete segmenters, for segmenter.cc only.
#ifndef TESSERA_WORKER_SEGMENTER_BACKENDS_H_
#define TESSERA_WORKER_SEGMENTER_BACKENDS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "worker/segmenter.h"

namespace tessera::worker {

absl::StatusOr<std::unique_ptr<Segmenter>> CreateTorchSegmenter(
    const SegmenterOptions& options);
absl::StatusOr<std::unique_ptr<Segmenter>> CreateNullSegmenter(
    const SegmenterOptions& options);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_SEGMENTER_BACKENDS_H_
