// The master's counters in the Prometheus text exposition format (version
// 0.0.4), as served on /metrics: counters end in _total, gauges do not.
//
//   std::string body = PrometheusText(core.counters());
#ifndef TESSERA_MASTER_METRICS_TEXT_H_
#define TESSERA_MASTER_METRICS_TEXT_H_

#include <string>

#include "master/master_core.h"

namespace tessera::master {

std::string PrometheusText(const MasterCounters& counters);

}  // namespace tessera::master

#endif  // TESSERA_MASTER_METRICS_TEXT_H_
