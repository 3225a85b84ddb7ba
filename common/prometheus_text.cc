#include "common/prometheus_text.h"

#include "absl/strings/str_format.h"

namespace tessera {

void AppendMetric(std::string& text, const char* name, const char* type,
                  const char* help, uint64_t value) {
  absl::StrAppendFormat(&text, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", name,
                        help, name, type, name, value);
}

void AppendMetric(std::string& text, const char* name, const char* type,
                  const char* help, double value) {
  absl::StrAppendFormat(&text, "# HELP %s %s\n# TYPE %s %s\n%s %.9g\n", name,
                        help, name, type, name, value);
}

std::string PrometheusLabelValue(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tessera
