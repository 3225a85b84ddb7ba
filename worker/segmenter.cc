#include "worker/segmenter.h"

#include "absl/strings/str_format.h"
#include "worker/segmenter_backends.h"

namespace tessera::worker {

absl::StatusOr<std::vector<Segmentation>> Segmenter::SegmentBatch(
    const std::vector<const Image*>& images, bool want_confidence) {
  std::vector<Segmentation> out;
  out.reserve(images.size());
  for (const Image* image : images) {
    absl::StatusOr<Segmentation> one = Segment(*image, want_confidence);
    if (!one.ok()) return one.status();
    out.push_back(*std::move(one));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Segmenter>> CreateSegmenter(
    const SegmenterOptions& options) {
  if (options.backend == "torchscript") return CreateTorchSegmenter(options);
  if (options.backend == "null") return CreateNullSegmenter(options);
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown segmenter backend '%s' (known: torchscript, null)",
      options.backend));
}

}  // namespace tessera::worker
