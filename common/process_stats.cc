#include "common/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "common/prometheus_text.h"

namespace tessera {

double ProcessCpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

uint64_t ResidentMemoryBytes() {
  // statm: total program size, then resident pages.
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

void AppendProcessMetrics(std::string& text) {
  AppendMetric(text, "process_cpu_seconds_total", "counter",
               "User and system CPU time spent, in seconds.",
               ProcessCpuSeconds());
  AppendMetric(text, "process_resident_memory_bytes", "gauge",
               "Resident memory size in bytes.", ResidentMemoryBytes());
}

}  // namespace tessera
