// The segmentation path's own throughput on one device (issue 8): regions of
// real frames through Segmenter::SegmentBatch, host pixels in and host
// labels out, for each precision, memory layout and batch size asked for;
// and its accuracy in each precision against ground truth. What a worker
// can do at most, without the master, the network or the flow path.
//
//   ASSIGN_OR_RETURN(std::vector<ThroughputPoint> points,
//                    MeasureThroughput(segmenter, regions, {1, 8}, 256));
#ifndef TESSERA_TOOLS_SEGMENT_BENCH_H_
#define TESSERA_TOOLS_SEGMENT_BENCH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/image.h"
#include "worker/segmenter.h"

namespace tessera::tools {

struct ThroughputPoint {
  int batch = 0;
  int regions = 0;  // regions segmented in the timed part
  double seconds = 0;
  double regions_per_second() const {
    return seconds > 0 ? regions / seconds : 0;
  }
};

// Segments `regions` over and over, `batch` at a time, for every batch size,
// from `threads` threads at once (one per lane of the segmenter): first a
// few untimed batches each (allocations, kernel selection, graph capture),
// then at least `timed_regions` regions in all. INVALID_ARGUMENT for no
// regions, a batch < 1 or threads < 1.
absl::StatusOr<std::vector<ThroughputPoint>> MeasureThroughput(
    worker::Segmenter& segmenter, const std::vector<Image>& regions,
    const std::vector<int>& batches, int timed_regions, int threads = 1);

// Segments each frame whole, from `threads` threads at once, and writes its
// labels to `folder`/<index:06>.png, for label_eval's match-by-order.
absl::Status SegmentFramesToFolder(worker::Segmenter& segmenter,
                                   const std::vector<Image>& frames,
                                   const std::string& folder, int threads = 1);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_SEGMENT_BENCH_H_
