// The client side of Segmentation.Stream: reads frames from a source, streams
// them to the master, writes the masks that come back (labels + overlays),
// shows progress, and scores the masks against ground truth when given.
//
//   ASSIGN_OR_RETURN(StreamSummary summary,
//                    RunStream({.master = "localhost:7600",
//                               .source = "clip.mp4", .output = "out"}));
//   std::puts(summary.ToString().c_str());
#ifndef TESSERA_CLIENT_STREAM_CLIENT_H_
#define TESSERA_CLIENT_STREAM_CLIENT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/image_codec.h"
#include "common/metrics.h"
#include "common/region_timings.h"
#include "common/tls.h"
#include "tessera/v1/tessera.pb.h"

namespace tessera::client {

struct StreamClientOptions {
  std::string master = "localhost:7600";
  std::string source;
  int max_frames = 0;
  int skip_frames = 0;  // source frames dropped before the first one sent
  // Play the source again from its start when it ends, until max_frames
  // (0: for ever): a soak run from a short clip. Not with `gt`.
  bool loop = false;
  // Frames sent per second, like a camera (0: as fast as the master takes
  // them). Frames that fall behind are sent at once, not dropped.
  double rate = 0;
  std::string output;             // empty: write nothing
  std::string overlay = "video";  // video | png | none
  std::string gt;                 // folder of label PNGs, matched in order
  std::string palette = "camvid";
  Encoding frame_encoding = Encoding::kRaw;
  v1::StreamConfig config;  // grid, stitch, overflow... (unset: master's)
  bool progress = true;
  std::string auth_token;  // sent when set (common/auth_token.h)
  TlsFiles tls;            // plain text unless it has a CA (common/tls.h)
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration deadline = absl::Hours(24);
};

struct StreamSummary {
  int frames_sent = 0;
  int masks = 0;
  int dropped = 0;
  int errors = 0;
  // Answers for a frame already answered: the master promises none.
  int duplicates = 0;
  // The longest wait between two answers (mask, drop or error) in a row:
  // how long a fault held the stream up.
  double longest_stall_ms = 0;
  double seconds = 0;
  double latency_p50_ms = 0;
  double latency_p95_ms = 0;
  double latency_p99_ms = 0;
  double latency_max_ms = 0;
  std::map<std::string, int> regions_per_worker;
  // DVS: regions per path, keys forwarded by the master, worker time.
  int64_t regions_segmented = 0;
  int64_t regions_warped = 0;
  int64_t key_transfers = 0;
  int64_t key_bytes = 0;
  double segmentation_ms = 0;  // summed worker compute per path
  double flow_ms = 0;
  // Where the time went, summed over the masks: the master's own work per
  // frame, and the workers' steps per region (the paper's Figure 6).
  double master_split_ms = 0;
  double master_stitch_ms = 0;
  RegionTimings worker_timings;
  std::optional<SegmentationMetrics> metrics;  // with --gt
  std::vector<std::string> class_names;
  std::string output;
  // Fills the latency percentiles from every mask's latency.
  void SetLatencies(std::vector<double> latencies_ms);
  std::string ToString() const;
  // The same as one JSON object (figures only), for experiment scripts.
  std::string ToJson() const;
};

// The value at fraction `p` (0..1) of the sorted values, nearest rank; 0 for
// none.
double Percentile(std::vector<double> values, double p);

// UNAVAILABLE when the master cannot be reached, or goes away mid-stream
// (the message then says which --skip_frames resumes after the last
// answered frame); the master's status when it ends the stream with an
// error; NOT_FOUND / INVALID_ARGUMENT for a bad
// source, output or ground-truth folder.
absl::StatusOr<StreamSummary> RunStream(const StreamClientOptions& options);

}  // namespace tessera::client

#endif  // TESSERA_CLIENT_STREAM_CLIENT_H_
