// What this process costs the machine, for /metrics (Prometheus's standard
// process_* metrics): CPU time, which tessera-bench turns into the master's
// share of the paper's Figure 6, and resident memory, which the soak test
// watches for leaks.
//
//   AppendProcessMetrics(text);  // process_cpu_seconds_total, ...
#ifndef TESSERA_COMMON_PROCESS_STATS_H_
#define TESSERA_COMMON_PROCESS_STATS_H_

#include <cstdint>
#include <string>

namespace tessera {

// User + system CPU time of every thread of the process so far.
double ProcessCpuSeconds();
// Resident set size now; 0 where /proc cannot be read.
uint64_t ResidentMemoryBytes();

// process_cpu_seconds_total and process_resident_memory_bytes, in the
// Prometheus text format.
void AppendProcessMetrics(std::string& text);

}  // namespace tessera

#endif  // TESSERA_COMMON_PROCESS_STATS_H_
