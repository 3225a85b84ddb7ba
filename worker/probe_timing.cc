#include "worker/probe_timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/elapsed.h"

namespace tessera::worker {
namespace {

// Smooth gradients, shifted `dx` pixels to the right: texture for the flow
// to follow, and varied input for the network.
Image ProbeImage(Size size, int dx) {
  Image image = Image::Create(size.width, size.height, 3);
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      uint8_t* p = image.at(x, y);
      const int u = x - dx;
      p[0] = static_cast<uint8_t>(u);
      p[1] = static_cast<uint8_t>(y);
      p[2] = static_cast<uint8_t>(u + y);
    }
  }
  return image;
}

absl::Status CheckRuns(int runs, int batch) {
  if (runs < 1 || batch < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "probe timing needs runs and batch >= 1, got %d and %d", runs, batch));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<double> MeasureRegionsPerSecond(Segmenter& segmenter, Size probe,
                                               int runs, int batch) {
  if (absl::Status ok = CheckRuns(runs, batch); !ok.ok()) return ok;
  const Image image = ProbeImage(probe, 0);
  const std::vector<const Image*> images(batch, &image);
  absl::StatusOr<std::vector<Segmentation>> warm =
      segmenter.SegmentBatch(images, false);
  if (!warm.ok()) return warm.status();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    absl::StatusOr<std::vector<Segmentation>> out =
        segmenter.SegmentBatch(images, false);
    if (!out.ok()) return out.status();
  }
  const double ms_per_region = MillisecondsSince(start) / (runs * batch);
  return 1000.0 / std::max(ms_per_region, 1e-3);
}

absl::StatusOr<double> MeasureFlowPathMs(FlowPath& flow_path, Size probe,
                                         int runs) {
  if (absl::Status ok = CheckRuns(runs, 1); !ok.ok()) return ok;
  const Image current = ProbeImage(probe, 2);
  KeyFrame key;
  key.image = ProbeImage(probe, 0);
  key.labels = LabelMap::Create(probe.width, probe.height, 1);
  key.confidence = Image::Create(probe.width, probe.height, 1);
  for (int y = 0; y < probe.height; ++y) {
    for (int x = 0; x < probe.width; ++x) {
      *key.labels.at(x, y) = static_cast<uint8_t>((x / 32 + y / 32) % 2);
      *key.confidence.at(x, y) = 200;
    }
  }
  double total_ms = 0;
  for (int i = 0; i <= runs; ++i) {  // the first run warms up
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<FlowEstimate> estimate =
        flow_path.Estimate(current, key, /*key_age=*/1);
    if (!estimate.ok()) return estimate.status();
    absl::StatusOr<WarpedKey> warped =
        flow_path.Warp(current, key, *estimate, /*frames=*/1);
    if (!warped.ok()) return warped.status();
    if (i > 0) total_ms += MillisecondsSince(start);
  }
  return total_ms / runs;
}

}  // namespace tessera::worker
