// What a worker has done since it started, for its /metrics: written by the
// inference thread and the connection loop, read by the HTTP thread.
//
//   std::string body = WorkerPrometheusText(connection.counters());
#ifndef TESSERA_WORKER_WORKER_COUNTERS_H_
#define TESSERA_WORKER_WORKER_COUNTERS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace tessera::worker {

// What pacing did so far. An overrun is a step whose real computation took
// longer than the profile allows: the run is then slower than the device it
// emulates, and its figures say more about this machine than about that one.
struct PacingCounters {
  uint64_t steps = 0;
  uint64_t overruns = 0;
  double padded_seconds = 0;  // slept to match the profile
};

struct WorkerCounters {
  uint64_t regions_segmented = 0;
  uint64_t regions_warped = 0;
  // Of those, warped from a later frame than the key (--carry_warps).
  uint64_t regions_warped_carried = 0;
  uint64_t regions_failed = 0;      // answered with an error
  double segmentation_seconds = 0;  // compute time, summed per path
  double flow_seconds = 0;
  uint64_t key_evictions = 0;            // local key buffer full
  uint64_t registrations = 0;            // accepted by a master
  bool connected = false;                // registered right now
  std::optional<PacingCounters> pacing;  // with --device_profile
};

// Prometheus text (exposition format 0.0.4) of the counters.
std::string WorkerPrometheusText(const WorkerCounters& counters);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_WORKER_COUNTERS_H_
