// One run of tessera-bench's cluster configurations: a real master and N
// real workers (each optionally emulating a device) on loopback, a clip
// streamed through them with the client library, and what the workers say
// about their emulation afterwards.
#ifndef TESSERA_TOOLS_BENCH_CLUSTER_H_
#define TESSERA_TOOLS_BENCH_CLUSTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/stream_client.h"
#include "common/dvs_defaults.h"
#include "common/region_grid.h"
#include "worker/worker_counters.h"

namespace tessera::bench {

struct ClusterRunOptions {
  std::string model;
  std::string source;
  int max_frames = 0;
  std::string gt;
  std::string palette = "camvid";
  GridSpec grid{2, 2, 64};
  bool flow_path = true;
  double threshold = 90;
  int max_key_age = kDefaultMaxKeyAge;
  // One entry per worker: its device profile, or "" for this machine's own
  // speed. Their count is the N of "1+N".
  std::vector<std::string> worker_profiles;
  std::string schedule = "speed";  // master --schedule
  bool key_affinity = true;        // master --key_affinity
  int threads = 1;                 // per worker
  // >= 2: every worker serves stages and the master joins them this many
  // to a pipeline of the model (issue 9); the stream starts once all the
  // pipelines stand.
  int pipeline_stages = 0;
  // More flags for every worker, e.g. {"--device=cuda", "--max_batch=8"}.
  std::vector<std::string> worker_flags;
  std::string master_binary;
  std::string worker_binary;
  std::string log_dir;  // the processes' logs
  std::string name = "bench";
};

struct ClusterRun {
  client::StreamSummary summary;
  worker::PacingCounters pacing;   // summed over the emulating workers
  double master_cpu_seconds = -1;  // the master's, during the stream
};

// UNAVAILABLE when the master or a worker does not come up (naming its
// log); the client's error when the stream fails.
absl::StatusOr<ClusterRun> RunCluster(const ClusterRunOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_TOOLS_BENCH_CLUSTER_H_
