// tessera-bench's results: every run, and per configuration the means over
// its repeats, as a table on the terminal, CSV and JSON.
#ifndef TESSERA_TOOLS_BENCH_REPORT_H_
#define TESSERA_TOOLS_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/stream_client.h"
#include "tools/bench_breakdown.h"
#include "worker/worker_counters.h"

namespace tessera::bench {

// One configuration of the matrix: "single", or a master with these
// workers.
struct BenchConfig {
  std::string name;                          // "single", "1+3", "mix:1+3", ...
  int workers = 0;                           // 0: Single
  std::vector<std::string> worker_profiles;  // names, "" = this machine
  std::string schedule = "speed";
  bool key_affinity = true;
  bool flow_path = true;    // DVS; false: every region is segmented
  double threshold = 90;    // percent, with the flow path
  int pipeline_stages = 0;  // N/pipe: one pipeline of N stage workers
};

struct RunRecord {
  BenchConfig config;
  int repeat = 0;
  client::StreamSummary summary;
  worker::PacingCounters pacing;
  double master_cpu_seconds = -1;  // during the stream; < 0 for Single
};

struct ConfigResult {
  BenchConfig config;
  int runs = 0;
  double fps = 0;  // mean over repeats
  double fps_stddev = 0;
  // fps / the fps of Single with the same path settings (0 when no such
  // Single was run).
  double speedup = 0;
  double miou = -1;  // -1: no ground truth
  double pixel_accuracy = -1;
  double warped_fraction = 0;
  double key_transfers_per_frame = 0;
  double key_bytes_per_frame = 0;
  double latency_p50_ms = 0;
  double latency_p95_ms = 0;
  double latency_p99_ms = 0;
  double segmentation_ms_per_region = 0;
  double flow_ms_per_region = 0;
  uint64_t emulation_steps = 0;
  uint64_t emulation_overruns = 0;
  TimeBreakdown breakdown;  // the paper's Figure 6
};

// Groups runs by configuration name, in first-seen order.
std::vector<ConfigResult> Summarise(const std::vector<RunRecord>& runs);

// `accuracy_label` names what miou/pixel_accuracy are measured against
// ("ground truth" or "agreement with per-frame segmentation").
std::string FormatTable(const std::vector<ConfigResult>& results,
                        const std::string& accuracy_label);
absl::Status WriteCsv(const std::string& path,
                      const std::vector<ConfigResult>& results);
// `context` is a JSON object's members (no braces) describing the run.
absl::Status WriteJson(const std::string& path, const std::string& context,
                       const std::vector<RunRecord>& runs,
                       const std::vector<ConfigResult>& results);

}  // namespace tessera::bench

#endif  // TESSERA_TOOLS_BENCH_REPORT_H_
