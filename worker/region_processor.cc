#include "worker/region_processor.h"

#include <chrono>

#include "absl/strings/str_format.h"

namespace tessera::worker {
namespace {

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

RegionProcessor::RegionProcessor(Segmenter& segmenter, DecodeLimits limits)
    : segmenter_(segmenter), limits_(limits) {}

absl::StatusOr<RegionResultOut> RegionProcessor::Process(
    const RegionTaskIn& task) {
  const auto start = std::chrono::steady_clock::now();
  ImageExpectation expect = task.declared;
  expect.channels = 3;
  absl::StatusOr<Image> region =
      DecodeImage(task.image_bytes, task.encoding, expect, limits_);
  if (!region.ok()) {
    return absl::Status(
        region.status().code(),
        absl::StrFormat("task %d: %s", task.task, region.status().message()));
  }
  absl::StatusOr<Segmentation> segmentation =
      segmenter_.Segment(*region, task.want_confidence);
  if (!segmentation.ok()) return segmentation.status();

  RegionResultOut out;
  out.task = task.task;
  out.width = region->width;
  out.height = region->height;
  out.label_encoding = task.label_encoding;
  absl::StatusOr<std::string> labels =
      EncodeImage(segmentation->labels, task.label_encoding);
  if (!labels.ok()) return labels.status();
  out.labels = *std::move(labels);
  if (task.want_confidence) {
    absl::StatusOr<std::string> confidence =
        EncodeImage(segmentation->confidence, task.label_encoding);
    if (!confidence.ok()) return confidence.status();
    out.confidence = *std::move(confidence);
  }
  out.compute_ms = MillisecondsSince(start);
  return out;
}

absl::StatusOr<double> MeasureRegionsPerSecond(Segmenter& segmenter, Size probe,
                                               int runs) {
  Image image = Image::Create(probe.width, probe.height, 3);
  for (int y = 0; y < probe.height; ++y) {
    for (int x = 0; x < probe.width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(x);
      p[1] = static_cast<uint8_t>(y);
      p[2] = static_cast<uint8_t>(x + y);
    }
  }
  absl::StatusOr<Segmentation> warm = segmenter.Segment(image, false);
  if (!warm.ok()) return warm.status();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    absl::StatusOr<Segmentation> out = segmenter.Segment(image, false);
    if (!out.ok()) return out.status();
  }
  const double ms = MillisecondsSince(start) / std::max(1, runs);
  return 1000.0 / std::max(ms, 1e-3);
}

}  // namespace tessera::worker
