#include "tools/segment_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
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

// Runs `work(thread)` on `threads` threads at once; the first error.
absl::Status OnThreads(int threads,
                       const std::function<absl::Status(int)>& work) {
  if (threads == 1) return work(0);
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      absl::Status status = work(t);
      absl::MutexLock lock(&mu);
      if (first_error.ok()) first_error = std::move(status);
    });
  }
  for (std::thread& thread : running) thread.join();
  return first_error;
}

}  // namespace

absl::StatusOr<std::vector<ThroughputPoint>> MeasureThroughput(
    worker::Segmenter& segmenter, const std::vector<Image>& regions,
    const std::vector<int>& batches, int timed_regions, int threads) {
  if (regions.empty()) return absl::InvalidArgumentError("no regions to time");
  if (threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d threads: at least one is needed", threads));
  }
  std::vector<ThroughputPoint> points;
  for (int batch : batches) {
    if (batch < 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("batch size %d is below 1", batch));
    }
    // Each thread starts at its own place in the list.
    std::vector<size_t> next(threads);
    for (int t = 0; t < threads; ++t) {
      next[t] = (t * regions.size()) / threads;
    }
    RETURN_IF_ERROR(OnThreads(threads, [&](int t) -> absl::Status {
      for (int i = 0; i < kWarmupBatches; ++i) {
        RETURN_IF_ERROR(
            segmenter.SegmentBatch(NextBatch(regions, batch, next[t]), false)
                .status());
      }
      return absl::OkStatus();
    }));
    std::atomic<int> started{0};  // regions handed to a thread so far
    const auto start = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(OnThreads(threads, [&](int t) -> absl::Status {
      while (started.fetch_add(batch) < timed_regions) {
        RETURN_IF_ERROR(
            segmenter.SegmentBatch(NextBatch(regions, batch, next[t]), false)
                .status());
      }
      return absl::OkStatus();
    }));
    ThroughputPoint point{.batch = batch};
    point.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    // Every hand-out below the target ran one batch.
    point.regions = (timed_regions + batch - 1) / batch * batch;
    points.push_back(point);
  }
  return points;
}

absl::Status SegmentFramesToFolder(worker::Segmenter& segmenter,
                                   const std::vector<Image>& frames,
                                   const std::string& folder, int threads) {
  if (threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d threads: at least one is needed", threads));
  }
  RETURN_IF_ERROR(CreateFolder(folder));
  return OnThreads(threads, [&](int t) -> absl::Status {
    for (size_t i = t; i < frames.size(); i += threads) {
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
  });
}

}  // namespace tessera::tools
