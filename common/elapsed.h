// Milliseconds since a steady-clock time point: the unit every step's
// timing is reported in (RegionTimings, the start-up probes).
//
//   const auto start = std::chrono::steady_clock::now();
//   ...
//   timings.decode_ms = MillisecondsSince(start);
#ifndef TESSERA_COMMON_ELAPSED_H_
#define TESSERA_COMMON_ELAPSED_H_

#include <chrono>

namespace tessera {

inline double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace tessera

#endif  // TESSERA_COMMON_ELAPSED_H_
