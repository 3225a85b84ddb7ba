// How fast this worker's two paths are, timed at start on a synthetic probe
// region: the segmentation path's regions per second (what the worker
// advertises to the master) and the flow path's milliseconds per region.
// A worker whose segmentation is faster than its flow path (a GPU beside a
// flow on the CPU) gains nothing from warping, and segments every region.
//
//   ASSIGN_OR_RETURN(double per_second,
//                    MeasureRegionsPerSecond(segmenter, {512, 288}, 3));
//   ASSIGN_OR_RETURN(double flow_ms, MeasureFlowPathMs(path, {512, 288}, 3));
#ifndef TESSERA_WORKER_PROBE_TIMING_H_
#define TESSERA_WORKER_PROBE_TIMING_H_

#include "absl/status/statusor.h"
#include "common/image.h"
#include "worker/flow_path.h"
#include "worker/segmenter.h"

namespace tessera::worker {

// Regions per second, `batch` probe regions per forward pass, over `runs`
// passes after one warm-up pass.
absl::StatusOr<double> MeasureRegionsPerSecond(Segmenter& segmenter, Size probe,
                                               int runs, int batch = 1);

// Milliseconds per region of the whole flow path (flow, decision features
// and network, warp) from a key two pixels away from the probe region,
// averaged over `runs` after one warm-up run. On the whole probe region:
// the worker does not know the master's grid, and tasks run on the window
// of what is stitched (FlowPath::WindowFor), so with a network trained on
// windows this is an upper bound (3.2 ms for a 304x244 region against
// 2.3 ms for its 256x196 window, BENCHMARKS.md).
absl::StatusOr<double> MeasureFlowPathMs(FlowPath& flow_path, Size probe,
                                         int runs);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_PROBE_TIMING_H_
