#include "tools/bench_breakdown.h"

#include <algorithm>

namespace tessera::bench {

TimeBreakdown BreakdownOf(const client::StreamSummary& summary, int workers,
                          double master_cpu_seconds) {
  TimeBreakdown b;
  if (summary.masks == 0) return b;
  const double frames = summary.masks;
  const double wall_ms = 1000 * summary.seconds / frames;

  b.master_split_ms = summary.master_split_ms / frames;
  b.master_stitch_ms = summary.master_stitch_ms / frames;
  const double own_ms = b.master_split_ms + b.master_stitch_ms;
  if (master_cpu_seconds >= 0) {
    const double cpu_ms = 1000 * master_cpu_seconds / frames;
    b.master_transfer_ms = std::max(0.0, cpu_ms - own_ms);
    b.master_idle_ms = std::max(0.0, wall_ms - std::max(cpu_ms, own_ms));
  } else {
    b.master_idle_ms = std::max(0.0, wall_ms - own_ms);
  }

  const double per_worker = frames * std::max(1, workers);
  const RegionTimings& t = summary.worker_timings;
  b.worker_segmentation_ms = t.segmentation_ms / per_worker;
  b.worker_flow_ms = t.flow_ms / per_worker;
  b.worker_decision_ms = t.decision_ms / per_worker;
  b.worker_transfer_ms = (t.decode_ms + t.encode_ms) / per_worker;
  b.worker_idle_ms = std::max(0.0, wall_ms - t.total_ms() / per_worker);
  return b;
}

const std::vector<BreakdownField>& BreakdownFields() {
  static const std::vector<BreakdownField> fields = {
      {"master_split_ms", "split", true, &TimeBreakdown::master_split_ms},
      {"master_stitch_ms", "stitch", true, &TimeBreakdown::master_stitch_ms},
      {"master_transfer_ms", "transfer", true,
       &TimeBreakdown::master_transfer_ms},
      {"master_idle_ms", "idle", true, &TimeBreakdown::master_idle_ms},
      {"worker_segmentation_ms", "segmentation", false,
       &TimeBreakdown::worker_segmentation_ms},
      {"worker_flow_ms", "flow", false, &TimeBreakdown::worker_flow_ms},
      {"worker_decision_ms", "decision", false,
       &TimeBreakdown::worker_decision_ms},
      {"worker_transfer_ms", "transfer", false,
       &TimeBreakdown::worker_transfer_ms},
      {"worker_idle_ms", "idle", false, &TimeBreakdown::worker_idle_ms},
  };
  return fields;
}

TimeBreakdown MeanBreakdown(const std::vector<TimeBreakdown>& runs) {
  TimeBreakdown mean;
  if (runs.empty()) return mean;
  for (const BreakdownField& field : BreakdownFields()) {
    for (const TimeBreakdown& run : runs) mean.*field.value += run.*field.value;
    mean.*field.value /= static_cast<double>(runs.size());
  }
  return mean;
}

}  // namespace tessera::bench
