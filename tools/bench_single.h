// "Single", the baseline of the paper's Figure 5: one process does all of
// it, with no master, no worker processes and no network. Each frame is cut
// into the cluster's regions and every region goes through one
// RegionProcessor, the worker's own code (same model, decision network,
// keys and paths, and the same device emulation), then the labels are
// stitched. What tessera-bench compares the clusters against.
#ifndef TESSERA_TOOLS_BENCH_SINGLE_H_
#define TESSERA_TOOLS_BENCH_SINGLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/stream_client.h"
#include "common/dvs_defaults.h"
#include "common/region_grid.h"

namespace tessera::bench {

struct SingleOptions {
  std::string model;
  std::string source;  // frames folder or video
  int max_frames = 0;
  std::string gt;  // label PNGs, in frame order (empty: no accuracy)
  std::string palette = "camvid";
  std::string output;  // writes labels/NNNNNN.png when set
  GridSpec grid{2, 2, 64};
  bool flow_path = true;                // DVS; false: segment every region
  double threshold = 90;                // percent
  int max_key_age = kDefaultMaxKeyAge;  // frames, as the master
  std::string device_profile;           // empty: this machine's speed
  int threads = 1;
};

// The same summary as a streamed run (latency is per frame, from read to
// stitched). INVALID_ARGUMENT / NOT_FOUND for a bad model, source, ground
// truth or profile.
absl::StatusOr<client::StreamSummary> RunSingle(const SingleOptions& options);

}  // namespace tessera::bench

#endif  // TESSERA_TOOLS_BENCH_SINGLE_H_
