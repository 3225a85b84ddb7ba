// The paper's Figure 6 for one tessera-bench run: where the master's time
// and a worker's time go, in milliseconds per frame, so that a stacked bar
// of either adds up to the run's wall time per frame (1000 / fps).
//
// Master: its own work on the frames (decoding, cutting and encoding the
// regions; stitching and encoding the masks, from FrameStats), the rest of
// its CPU time (gRPC, message (de)serialisation, scheduling: "transfer"),
// and idle (wall time it did not use a CPU). A master busier than one core
// shows bars taller than the wall time, and no idle.
// Worker (the mean over the run's workers): segmentation, flow (optical flow
// and warp), decision network, transfer (decoding the region and any key,
// encoding the labels) from each region's RegionTimings, and idle.
// In Single, one thread is both: its "master" is idle while it segments.
#ifndef TESSERA_TOOLS_BENCH_BREAKDOWN_H_
#define TESSERA_TOOLS_BENCH_BREAKDOWN_H_

#include <vector>

#include "client/stream_client.h"

namespace tessera::bench {

struct TimeBreakdown {
  double master_split_ms = 0;
  double master_stitch_ms = 0;
  double master_transfer_ms = 0;
  double master_idle_ms = 0;
  double worker_segmentation_ms = 0;
  double worker_flow_ms = 0;
  double worker_decision_ms = 0;
  double worker_transfer_ms = 0;
  double worker_idle_ms = 0;
};

// Every field, named as in CSV and JSON, for code that treats them alike.
struct BreakdownField {
  const char* name;   // "master_split_ms", ...
  const char* label;  // "split", ... (a plot's legend)
  bool master;        // a master's part (else a worker's)
  double TimeBreakdown::*value;
};
const std::vector<BreakdownField>& BreakdownFields();

// `workers` 0 is Single. `master_cpu_seconds` is the master process's CPU
// time during the stream, or < 0 for Single (no master process).
TimeBreakdown BreakdownOf(const client::StreamSummary& summary, int workers,
                          double master_cpu_seconds);

// Field by field.
TimeBreakdown MeanBreakdown(const std::vector<TimeBreakdown>& runs);

}  // namespace tessera::bench

#endif  // TESSERA_TOOLS_BENCH_BREAKDOWN_H_
