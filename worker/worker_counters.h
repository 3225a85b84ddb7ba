// What a worker has done since it started, for its /metrics: written by the
// inference thread and the connection loop, read by the HTTP thread.
//
//   std::string body = WorkerPrometheusText(connection.counters());
#ifndef TESSERA_WORKER_WORKER_COUNTERS_H_
#define TESSERA_WORKER_WORKER_COUNTERS_H_

#include <cstdint>
#include <string>

namespace tessera::worker {

struct WorkerCounters {
  uint64_t regions_segmented = 0;
  uint64_t regions_warped = 0;
  uint64_t regions_failed = 0;      // answered with an error
  double segmentation_seconds = 0;  // compute time, summed per path
  double flow_seconds = 0;
  uint64_t key_evictions = 0;  // local key buffer full
  uint64_t registrations = 0;  // accepted by a master
  bool connected = false;      // registered right now
};

// Prometheus text (exposition format 0.0.4) of the counters.
std::string WorkerPrometheusText(const WorkerCounters& counters);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_WORKER_COUNTERS_H_
