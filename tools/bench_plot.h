// The paper's Figure 5 for a tessera-bench run, as a PNG: fps per
// configuration (bars, labelled with the speed-up over Single) and mIoU
// (a line on its own axis), drawn with OpenCV so that no plotting
// package is needed.
#ifndef TESSERA_TOOLS_BENCH_PLOT_H_
#define TESSERA_TOOLS_BENCH_PLOT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/bench_report.h"

namespace tessera::bench {

// INVALID_ARGUMENT when there is nothing to plot or the file cannot be
// written.
absl::Status WriteScalingPlot(const std::string& path,
                              const std::vector<ConfigResult>& results,
                              const std::string& title);

}  // namespace tessera::bench

#endif  // TESSERA_TOOLS_BENCH_PLOT_H_
