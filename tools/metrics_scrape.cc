#include "tools/metrics_scrape.h"

#include <httplib.h>

#include <sstream>

#include "absl/strings/numbers.h"

namespace tessera {

std::string ScrapeMetrics(int http_port) {
  httplib::Client http("127.0.0.1", http_port);
  http.set_connection_timeout(2);
  http.set_read_timeout(2);
  auto page = http.Get("/metrics");
  if (!page || page->status != 200) return "";
  return page->body;
}

double MetricValue(const std::string& page, const std::string& metric) {
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(metric + " ", 0) == 0) {
      double value = 0;
      return absl::SimpleAtod(line.substr(metric.size() + 1), &value) ? value
                                                                      : 0;
    }
  }
  return 0;
}

}  // namespace tessera
