// Reading a local Tessera process's /metrics page (Prometheus text), for the
// tools that watch the processes they start: tessera-bench (the master's
// CPU time, the workers' emulation counters) and tessera-soak (memory).
#ifndef TESSERA_TOOLS_METRICS_SCRAPE_H_
#define TESSERA_TOOLS_METRICS_SCRAPE_H_

#include <string>

namespace tessera {

// The page served by 127.0.0.1:`http_port`/metrics; empty when the process
// does not answer within 2 s.
std::string ScrapeMetrics(int http_port);

// The value of an unlabelled sample in `page`; 0 when absent or malformed.
double MetricValue(const std::string& page, const std::string& metric);

}  // namespace tessera

#endif  // TESSERA_TOOLS_METRICS_SCRAPE_H_
