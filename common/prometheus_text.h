// Lines of the Prometheus text exposition format (version 0.0.4), shared by
// the master's and the workers' /metrics.
//
//   AppendMetric(text, "tessera_workers", "gauge", "Workers registered.", 3);
#ifndef TESSERA_COMMON_PROMETHEUS_TEXT_H_
#define TESSERA_COMMON_PROMETHEUS_TEXT_H_

#include <cstdint>
#include <string>

namespace tessera {

// "# HELP", "# TYPE" and the sample line of one unlabelled metric; counts
// print exactly, other values with 9 significant digits.
void AppendMetric(std::string& text, const char* name, const char* type,
                  const char* help, uint64_t value);
void AppendMetric(std::string& text, const char* name, const char* type,
                  const char* help, double value);

// A label value with backslash, quote and newline escaped.
std::string PrometheusLabelValue(const std::string& value);

}  // namespace tessera

#endif  // TESSERA_COMMON_PROMETHEUS_TEXT_H_
