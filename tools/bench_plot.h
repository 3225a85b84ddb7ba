// tessera-bench's plots, as PNGs drawn with OpenCV so that no plotting
// package is needed: the paper's Figure 5 (fps per configuration, labelled
// with the speed-up over Single, and mIoU), its Figure 6 (where the master's
// and a worker's time per frame goes) and mIoU against fps over a threshold
// sweep, with its Pareto front.
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
// Two stacked bars per configuration, M(aster) and W(orker): ms per frame.
absl::Status WriteBreakdownPlot(const std::string& path,
                                const std::vector<ConfigResult>& results,
                                const std::string& title);
// One point per configuration with an mIoU; the front joins those that no
// other configuration beats on both fps and mIoU.
absl::Status WriteParetoPlot(const std::string& path,
                             const std::vector<ConfigResult>& results,
                             const std::string& title);

// The configurations on the Pareto front of (fps, mIoU), by rising fps.
std::vector<const ConfigResult*> ParetoFront(
    const std::vector<ConfigResult>& results);

}  // namespace tessera::bench

#endif  // TESSERA_TOOLS_BENCH_PLOT_H_
