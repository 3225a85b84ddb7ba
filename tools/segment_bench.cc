#include "tools/segment_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "common/folders.h"
#include "common/image_codec.h"
#include "common/status_macros.h"

namespace tessera::tools {
namespace {

constexpr int kWarmupBatches = 3;

// The next `batch` regions, wrapping round the list.
std::vector<const Image*> NextBatch(const std::vector<Image>& regions,
                                    int batch, size_t& next) {
  std::vector<const Image*> out;
  out.reserve(batch);
  for (int i = 0; i < batch; ++i) {
    out.push_back(&regions[next]);
    next = (next + 1) % regions.size();
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ThroughputPoint>> MeasureThroughput(
    worker::Segmenter& segmenter, const std::vector<Image>& regions,
    const std::vector<int>& batches, int timed_regions) {
  if (regions.empty()) return absl::InvalidArgumentError("no regions to time");
  std::vector<ThroughputPoint> points;
  for (int batch : batches) {
    if (batch < 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("batch size %d is below 1", batch));
    }
    size_t next = 0;
    for (int i = 0; i < kWarmupBatches; ++i) {
      RETURN_IF_ERROR(
          segmenter.SegmentBatch(NextBatch(regions, batch, next), false)
              .status());
    }
    ThroughputPoint point{.batch = batch};
    const auto start = std::chrono::steady_clock::now();
    while (point.regions < timed_regions) {
      RETURN_IF_ERROR(
          segmenter.SegmentBatch(NextBatch(regions, batch, next), false)
              .status());
      point.regions += batch;
    }
    point.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    points.push_back(point);
  }
  return points;
}

absl::Status SegmentFramesToFolder(worker::Segmenter& segmenter,
                                   const std::vector<Image>& frames,
                                   const std::string& folder) {
  RETURN_IF_ERROR(CreateFolder(folder));
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSIGN_OR_RETURN(worker::Segmentation result,
                     segmenter.Segment(frames[i], false));
    ASSIGN_OR_RETURN(std::string png,
                     EncodeImage(result.labels, Encoding::kPng));
    const std::string path =
        (std::filesystem::path(folder) / absl::StrFormat("%06d.png", i))
            .string();
    RETURN_IF_ERROR(WriteFileBytes(path, png));
  }
  return absl::OkStatus();
}

}  // namespace tessera::tools
