// tessera-stream: streams a camera, video file or image folder to a Tessera
// master and writes the masks and overlays that come back.
#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "client/stream_client.h"
#include "common/allocator_tuning.h"
#include "common/auth_token.h"
#include "common/flag_config.h"
#include "common/flag_values.h"
#include "common/log.h"
#include "common/tls.h"

ABSL_FLAG(std::string, master, "localhost:7600", "master address host:port");
ABSL_FLAG(std::string, source, "",
          "video file, image folder, rtsp/http URL or camera (/dev/videoN)");
ABSL_FLAG(int, max_frames, 0, "stop after this many frames (0: all)");
ABSL_FLAG(bool, loop, false,
          "play the source again from its start when it ends, until "
          "--max_frames (0: for ever); not with --gt");
ABSL_FLAG(double, rate, 0,
          "send at most this many frames per second, like a camera (0: as "
          "fast as the cluster takes them)");
ABSL_FLAG(int, skip_frames, 0,
          "skip this many source frames first (e.g. a clip's held-out part)");
ABSL_FLAG(std::string, output, "",
          "folder for label PNGs and overlays (empty: write nothing)");
ABSL_FLAG(std::string, overlay, "video", "overlay kind: video | png | none");
ABSL_FLAG(std::string, gt, "",
          "folder of ground-truth label PNGs, matched to frames in name "
          "order; prints IoU, accuracy, precision, recall, F1, Dice");
ABSL_FLAG(std::string, palette, "camvid", "label palette: camvid | cityscapes");
ABSL_FLAG(std::string, encoding, "raw",
          "how frames travel: raw (exact, fast on LAN) | jpeg | png");
ABSL_FLAG(std::string, grid, "", "region grid ROWSxCOLS (default: master's)");
ABSL_FLAG(int, halo, -1, "region halo in pixels (default: master's)");
ABSL_FLAG(std::string, stitch, "", "crop | max-confidence (default: master's)");
ABSL_FLAG(std::string, overflow, "", "block | drop-oldest (default: master's)");
ABSL_FLAG(int, max_queued_frames, 0, "queue bound (default: master's)");
ABSL_FLAG(bool, progress, true, "show a live progress line on a terminal");
ABSL_FLAG(std::string, dvs, "",
          "flow path use: off | fixed | dynamic (default: master's)");
ABSL_FLAG(double, threshold, -1,
          "decision threshold in percent (default: master's)");
ABSL_FLAG(int, max_key_age, 0, "oldest key a warp may use (default: master's)");
ABSL_FLAG(int, key_gap, 0, "key forwarding gap (default: master's)");
ABSL_FLAG(std::string, summary_json, "",
          "also write the summary's figures to this JSON file");

namespace tessera::client {
namespace {

absl::StatusOr<StreamClientOptions> OptionsFromFlags() {
  StreamClientOptions options;
  options.master = absl::GetFlag(FLAGS_master);
  options.source = absl::GetFlag(FLAGS_source);
  if (options.source.empty()) {
    return absl::InvalidArgumentError("--source is required");
  }
  options.max_frames = absl::GetFlag(FLAGS_max_frames);
  options.loop = absl::GetFlag(FLAGS_loop);
  options.skip_frames = absl::GetFlag(FLAGS_skip_frames);
  options.rate = absl::GetFlag(FLAGS_rate);
  absl::StatusOr<std::string> token = AuthTokenFromFlag();
  if (!token.ok()) return token.status();
  options.auth_token = *std::move(token);
  absl::StatusOr<TlsFiles> tls = TlsFilesFromFlags(TlsSide::kPeer);
  if (!tls.ok()) return tls.status();
  options.tls = *std::move(tls);
  if (!(options.rate >= 0)) {
    return absl::InvalidArgumentError("--rate must be >= 0 frames per second");
  }
  if (options.skip_frames < 0) {
    return absl::InvalidArgumentError("--skip_frames must be >= 0");
  }
  options.output = absl::GetFlag(FLAGS_output);
  options.overlay = absl::GetFlag(FLAGS_overlay);
  options.gt = absl::GetFlag(FLAGS_gt);
  options.palette = absl::GetFlag(FLAGS_palette);
  options.progress = absl::GetFlag(FLAGS_progress);
  absl::StatusOr<Encoding> encoding =
      ParseEncoding(absl::GetFlag(FLAGS_encoding));
  if (!encoding.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--encoding: %s", encoding.status().message()));
  }
  options.frame_encoding = *encoding;
  v1::StreamConfig& config = options.config;
  config.set_stream_name("tessera-stream");
  const int halo = absl::GetFlag(FLAGS_halo);
  if (!absl::GetFlag(FLAGS_grid).empty() || halo >= 0) {
    absl::StatusOr<GridSpec> grid = ParseGrid(
        "--grid",
        absl::GetFlag(FLAGS_grid).empty() ? "2x2" : absl::GetFlag(FLAGS_grid),
        halo >= 0 ? halo : 64);
    if (!grid.ok()) return grid.status();
    config.mutable_grid()->set_rows(grid->rows);
    config.mutable_grid()->set_cols(grid->cols);
    config.mutable_grid()->set_halo(grid->halo);
  }
  const std::string stitch = absl::GetFlag(FLAGS_stitch);
  if (stitch == "crop") {
    config.set_stitch(v1::STITCH_MODE_CROP_HALO);
  } else if (stitch == "max-confidence") {
    config.set_stitch(v1::STITCH_MODE_MAX_CONFIDENCE);
  } else if (!stitch.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--stitch=%s: expected crop or max-confidence", stitch));
  }
  const std::string overflow = absl::GetFlag(FLAGS_overflow);
  if (overflow == "block") {
    config.set_overflow(v1::OVERFLOW_POLICY_BLOCK);
  } else if (overflow == "drop-oldest") {
    config.set_overflow(v1::OVERFLOW_POLICY_DROP_OLDEST);
  } else if (!overflow.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--overflow=%s: expected block or drop-oldest", overflow));
  }
  if (absl::GetFlag(FLAGS_max_queued_frames) < 0) {
    return absl::InvalidArgumentError("--max_queued_frames must be >= 0");
  }
  config.set_max_queued_frames(absl::GetFlag(FLAGS_max_queued_frames));
  config.set_mask_encoding(v1::ENCODING_PNG);
  const std::string dvs = absl::GetFlag(FLAGS_dvs);
  v1::DvsConfig* dvs_config = config.mutable_dvs();
  if (dvs == "off") {
    dvs_config->set_mode(v1::DvsConfig::MODE_OFF);
  } else if (dvs == "fixed") {
    dvs_config->set_mode(v1::DvsConfig::MODE_FIXED);
  } else if (dvs == "dynamic") {
    dvs_config->set_mode(v1::DvsConfig::MODE_DYNAMIC);
  } else if (!dvs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--dvs=%s: expected off, fixed or dynamic", dvs));
  }
  const double threshold = absl::GetFlag(FLAGS_threshold);
  if (threshold != -1) {
    if (!(threshold >= 0 && threshold <= 100)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--threshold=%g: expected a percentage 0..100", threshold));
    }
    dvs_config->set_threshold(static_cast<float>(threshold));
  }
  if (absl::GetFlag(FLAGS_max_key_age) < 0 ||
      absl::GetFlag(FLAGS_key_gap) < 0) {
    return absl::InvalidArgumentError(
        "--max_key_age and --key_gap must be >= 0");
  }
  dvs_config->set_max_key_age(absl::GetFlag(FLAGS_max_key_age));
  dvs_config->set_key_gap(absl::GetFlag(FLAGS_key_gap));
  return options;
}

int Run() {
  absl::StatusOr<StreamClientOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "tessera-stream: %s\n",
                 std::string(options.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<StreamSummary> summary = RunStream(*options);
  if (!summary.ok()) {
    std::fprintf(stderr, "tessera-stream: %s\n",
                 summary.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", summary->ToString().c_str());
  if (const std::string path = absl::GetFlag(FLAGS_summary_json);
      !path.empty()) {
    std::ofstream json(path);
    json << summary->ToJson() << "\n";
    if (!json) {
      std::fprintf(stderr, "tessera-stream: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return summary->errors == 0 ? 0 : 3;
}

}  // namespace
}  // namespace tessera::client

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-stream --master=host:7600 --source=clip.mp4 --output=out "
      "[--gt=labels/]");
  tessera::ParseFlagsWithConfig("stream", argc, argv);
  tessera::KeepLargeAllocations();
  tessera::SetLogProgramName("tessera-stream");
  return tessera::client::Run();
}
