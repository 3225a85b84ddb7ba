// The worker's unit of work, free of transport: decode a region task's
// pixels, run the segmentation path, encode the labels for the trip back.
//
//   RegionProcessor processor(*segmenter, limits);
//   ASSIGN_OR_RETURN(RegionResultOut out, processor.Process(task));
#ifndef TESSERA_WORKER_REGION_PROCESSOR_H_
#define TESSERA_WORKER_REGION_PROCESSOR_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/image_codec.h"
#include "worker/segmenter.h"

namespace tessera::worker {

struct RegionTaskIn {
  uint64_t task = 0;
  std::string_view image_bytes;
  Encoding encoding = Encoding::kRaw;
  ImageExpectation declared;  // width/height/channels from the message
  bool want_confidence = false;
  Encoding label_encoding = Encoding::kRaw;
};

struct RegionResultOut {
  uint64_t task = 0;
  int width = 0;
  int height = 0;
  Encoding label_encoding = Encoding::kRaw;
  std::string labels;
  std::string confidence;  // empty unless asked for
  double compute_ms = 0;   // decode + segment + encode
};

class RegionProcessor {
 public:
  RegionProcessor(Segmenter& segmenter, DecodeLimits limits);

  // INVALID_ARGUMENT / RESOURCE_EXHAUSTED for bad pixels (from the decoder),
  // INTERNAL when the network fails.
  absl::StatusOr<RegionResultOut> Process(const RegionTaskIn& task);

 private:
  Segmenter& segmenter_;
  DecodeLimits limits_;
};

// Regions per second on a synthetic `probe` region after one warm-up run;
// what the worker advertises to the master.
absl::StatusOr<double> MeasureRegionsPerSecond(Segmenter& segmenter, Size probe,
                                               int runs);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_REGION_PROCESSOR_H_
