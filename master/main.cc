// tessera-master: the gRPC server that accepts client streams and worker
// registrations, schedules regions, stitches masks. With --source it also
// reads frames itself and writes masks and overlays to --output.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "common/allocator_tuning.h"
#include "common/auth_token.h"
#include "common/dvs_defaults.h"
#include "common/flag_config.h"
#include "common/flag_values.h"
#include "common/log.h"
#include "common/palette.h"
#include "common/tls.h"
#include "common/transport_args.h"
#include "master/http_endpoints.h"
#include "master/master_core.h"
#include "master/master_service.h"
#include "master/source_runner.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:7600", "gRPC address to serve on");
ABSL_FLAG(std::string, port_file, "",
          "write the bound port here (useful with --listen=host:0)");
ABSL_FLAG(std::string, http_listen, "0.0.0.0:7680",
          "HTTP address for /metrics, /healthz and /readyz (empty: none)");
ABSL_FLAG(bool, live_view, true,
          "serve /live: each stream's latest mask over its frame (the master "
          "then keeps frames until their masks are out)");
ABSL_FLAG(std::string, live_palette, "camvid",
          "colours of the live view: camvid | cityscapes");
ABSL_FLAG(std::string, http_port_file, "",
          "write the bound HTTP port here (useful with --http_listen=host:0)");
ABSL_FLAG(std::string, source, "",
          "also read frames from this video file, image folder, URL or "
          "camera (/dev/videoN)");
ABSL_FLAG(std::string, output, "tessera-out",
          "folder for masks and overlays of --source");
ABSL_FLAG(std::string, overlay, "video", "overlay of --source: video|png|none");
ABSL_FLAG(int, max_frames, 0, "stop --source after this many frames (0: all)");
ABSL_FLAG(bool, exit_after_source, true,
          "exit once --source is fully processed");
ABSL_FLAG(std::string, grid, "2x2", "default region grid, ROWSxCOLS");
ABSL_FLAG(int, halo, 64, "default halo (overlap) of each region, pixels");
ABSL_FLAG(std::string, stitch, "crop",
          "default stitching: crop (halo dropped) | max-confidence (DVSNet)");
ABSL_FLAG(std::string, overflow, "block",
          "default policy when a stream outruns the cluster: block | "
          "drop-oldest");
ABSL_FLAG(int, max_queued_frames, 8,
          "default bound on a stream's frames accepted but not delivered");
ABSL_FLAG(std::string, region_encoding, "raw",
          "default encoding of regions sent to workers: raw|jpeg|png");
ABSL_FLAG(std::string, mask_encoding, "png",
          "default encoding of masks sent to clients: png|raw");
ABSL_FLAG(int, max_in_flight, 4, "upper bound on regions queued per worker");
ABSL_FLAG(std::string, schedule, "speed",
          "how a free worker is chosen: speed (the one expected to finish "
          "first, from its measured speed) | fifo (the least loaded; for "
          "experiments)");
ABSL_FLAG(bool, key_affinity, true,
          "send a region preferably to the worker holding its newest key "
          "(never leaving a free worker idle for it)");
ABSL_FLAG(int, task_timeout_ms, 10000,
          "a region not answered in this time is requeued elsewhere");
ABSL_FLAG(int, worker_silence_ms, 10000,
          "a worker silent this long (no result, no heartbeat) is dropped");
ABSL_FLAG(int, no_worker_grace_ms, 5000,
          "with no worker registered for this long, frames past a blocking "
          "stream's queue bound are refused with UNAVAILABLE (queued frames "
          "stay queued)");
ABSL_FLAG(std::string, max_frame_size, "8192x8192",
          "largest frame a client may send, WxH");
ABSL_FLAG(std::string, dvs, "fixed",
          "default use of the flow path: off (segment every region) | fixed "
          "(--threshold) | dynamic (the paper's per-region thresholds)");
ABSL_FLAG(double, threshold, 90,
          "default decision threshold: warp a region when its predicted "
          "agreement with segmentation is at least this percentage");
ABSL_FLAG(int, key_gap, 0,
          "forward the newest key with a task when the worker's key is more "
          "than this many frames old (0: whenever a newer key exists)");
ABSL_FLAG(int, max_key_age, tessera::kDefaultMaxKeyAge,
          "never warp from a key more than this many frames old");
ABSL_FLAG(int, pipeline_stages, 0,
          "join workers that serve stages (tessera-worker --stage_listen) "
          "this many to a pipeline of one network, cut to balance their "
          "measured stage times (0: never)");
ABSL_FLAG(std::string, pipeline_wire, "fp16",
          "how activations travel between stage workers: fp16 | fp32");

namespace tessera::master {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

absl::StatusOr<MasterOptions> OptionsFromFlags() {
  MasterOptions options;
  absl::StatusOr<GridSpec> grid =
      ParseGrid("--grid", absl::GetFlag(FLAGS_grid), absl::GetFlag(FLAGS_halo));
  if (!grid.ok()) return grid.status();
  StreamSettings& stream = options.default_stream;
  stream.grid = *grid;
  const std::string stitch = absl::GetFlag(FLAGS_stitch);
  if (stitch == "crop") {
    stream.stitch = StitchMode::kCropHalo;
  } else if (stitch == "max-confidence") {
    stream.stitch = StitchMode::kMaxConfidence;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--stitch=%s: expected crop or max-confidence", stitch));
  }
  const std::string overflow = absl::GetFlag(FLAGS_overflow);
  if (overflow == "block") {
    stream.overflow = OverflowPolicy::kBlock;
  } else if (overflow == "drop-oldest") {
    stream.overflow = OverflowPolicy::kDropOldest;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--overflow=%s: expected block or drop-oldest", overflow));
  }
  stream.max_queued_frames = absl::GetFlag(FLAGS_max_queued_frames);
  if (stream.max_queued_frames < 1 ||
      stream.max_queued_frames > options.max_queued_frames_limit) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--max_queued_frames=%d: expected 1..%d", stream.max_queued_frames,
        options.max_queued_frames_limit));
  }
  absl::StatusOr<Encoding> region =
      ParseEncoding(absl::GetFlag(FLAGS_region_encoding));
  if (!region.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--region_encoding: %s", region.status().message()));
  }
  stream.region_encoding = *region;
  const int in_flight = absl::GetFlag(FLAGS_max_in_flight);
  const int timeout = absl::GetFlag(FLAGS_task_timeout_ms);
  const int silence = absl::GetFlag(FLAGS_worker_silence_ms);
  const int grace = absl::GetFlag(FLAGS_no_worker_grace_ms);
  if (in_flight < 1 || timeout < 1 || silence < 1 || grace < 0) {
    return absl::InvalidArgumentError(
        "--max_in_flight, --task_timeout_ms and --worker_silence_ms must be "
        "positive, --no_worker_grace_ms >= 0");
  }
  options.no_worker_grace = absl::Milliseconds(grace);
  options.scheduler.max_in_flight_per_worker = in_flight;
  options.scheduler.task_timeout = absl::Milliseconds(timeout);
  const std::string schedule = absl::GetFlag(FLAGS_schedule);
  if (schedule != "speed" && schedule != "fifo") {
    return absl::InvalidArgumentError(
        absl::StrFormat("--schedule=%s: expected speed or fifo", schedule));
  }
  options.scheduler.weigh_by_speed = schedule == "speed";
  options.scheduler.key_affinity = absl::GetFlag(FLAGS_key_affinity);
  const int stages = absl::GetFlag(FLAGS_pipeline_stages);
  const std::string wire = absl::GetFlag(FLAGS_pipeline_wire);
  if (stages < 0 || stages > 16 || (wire != "fp16" && wire != "fp32")) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--pipeline_stages=%d --pipeline_wire=%s: stages 0..16, wire fp16 or "
        "fp32",
        stages, wire));
  }
  options.pipeline_stages = stages;
  options.pipeline_fp16 = wire == "fp16";
  options.worker_silence_timeout = absl::Milliseconds(silence);
  absl::StatusOr<Size> max_frame =
      ParseSize("--max_frame_size", absl::GetFlag(FLAGS_max_frame_size));
  if (!max_frame.ok()) return max_frame.status();
  options.frame_limits = {max_frame->width, max_frame->height};
  absl::StatusOr<DvsMode> dvs_mode = ParseDvsMode(absl::GetFlag(FLAGS_dvs));
  if (!dvs_mode.ok()) return dvs_mode.status();
  stream.dvs.mode = *dvs_mode;
  stream.dvs.threshold = static_cast<float>(absl::GetFlag(FLAGS_threshold));
  stream.dvs.key_gap = absl::GetFlag(FLAGS_key_gap);
  stream.dvs.max_key_age = absl::GetFlag(FLAGS_max_key_age);
  if (absl::Status dvs = ValidateDvs(stream.dvs); !dvs.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--threshold/--key_gap/--max_key_age: %s", dvs.message()));
  }
  return options;
}

int Run() {
  absl::StatusOr<MasterOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "tessera-master: %s\n",
                 std::string(options.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<Encoding> mask_encoding =
      ParseEncoding(absl::GetFlag(FLAGS_mask_encoding));
  if (!mask_encoding.ok() || *mask_encoding == Encoding::kJpeg) {
    std::fprintf(stderr,
                 "tessera-master: --mask_encoding=%s: expected png or raw\n",
                 absl::GetFlag(FLAGS_mask_encoding).c_str());
    return 2;
  }

  if (!absl::GetFlag(FLAGS_source).empty() && !FrameSourcesAvailable()) {
    std::fprintf(stderr,
                 "tessera-master: --source: this build has no frame sources "
                 "(-DTESSERA_MASTER_FRAME_SOURCES=OFF); stream frames to it "
                 "with tessera-stream instead\n");
    return 2;
  }
  absl::StatusOr<const Palette*> live_palette =
      PaletteByName(absl::GetFlag(FLAGS_live_palette));
  if (!live_palette.ok()) {
    std::fprintf(stderr,
                 "tessera-master: --live_palette=%s: expected camvid "
                 "or cityscapes\n",
                 absl::GetFlag(FLAGS_live_palette).c_str());
    return 2;
  }
  // A few pictures a second per stream; the 16 most recent streams.
  LiveView live(absl::Milliseconds(200), 16);
  if (absl::GetFlag(FLAGS_live_view)) {
    options->default_stream.keep_frames = true;
    options->on_mask = [&live](const StreamHandle& stream,
                               const FrameOutcome& outcome) {
      live.Offer(stream.id, stream.name, outcome.index, absl::Now(),
                 outcome.frame, outcome.mask);
    };
  }
  MasterCore core(*options);
  ServiceOptions service_options;
  service_options.default_stream = options->default_stream;
  service_options.default_mask_encoding = *mask_encoding;
  service_options.result_limits = options->frame_limits;
  absl::StatusOr<std::string> token = AuthTokenFromFlag();
  if (!token.ok()) {
    std::fprintf(stderr, "tessera-master: %s\n",
                 std::string(token.status().message()).c_str());
    return 2;
  }
  service_options.auth_token = *std::move(token);
  absl::StatusOr<TlsFiles> tls = TlsFilesFromFlags(TlsSide::kMaster);
  if (!tls.ok()) {
    std::fprintf(stderr, "tessera-master: %s\n",
                 std::string(tls.status().message()).c_str());
    return 2;
  }
  service_options.require_worker_certificate = RequiresWorkerCertificate(*tls);
  MasterServices services(core, service_options);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           MasterServerCredentials(*tls), &port);
  builder.RegisterService(services.segmentation());
  builder.RegisterService(services.cluster());
  ConfigurePixelServer(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "tessera-master: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  TLOG(INFO) << "listening on port " << port << " ("
             << DescribeTls(*tls, TlsSide::kMaster) << "; "
             << (service_options.auth_token.empty()
                     ? "no auth: any worker may join and any client stream"
                     : "workers and clients need the auth token")
             << ")";
  std::unique_ptr<HttpEndpoints> http;
  if (const std::string address = absl::GetFlag(FLAGS_http_listen);
      !address.empty()) {
    absl::StatusOr<std::unique_ptr<HttpEndpoints>> started =
        HttpEndpoints::Start(address, core,
                             absl::GetFlag(FLAGS_live_view) ? &live : nullptr,
                             *live_palette);
    if (!started.ok()) {
      std::fprintf(stderr, "tessera-master: %s\n",
                   std::string(started.status().message()).c_str());
      return 2;
    }
    http = *std::move(started);
    TLOG(INFO) << "HTTP /metrics, /healthz, /readyz on port " << http->port();
    if (const std::string file = absl::GetFlag(FLAGS_http_port_file);
        !file.empty()) {
      std::ofstream(file) << http->port() << "\n";
    }
  }
  // Written last: a port file means the master is ready to serve.
  if (const std::string file = absl::GetFlag(FLAGS_port_file); !file.empty()) {
    std::ofstream(file) << port << "\n";
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::atomic<bool> source_done{false};
  int exit_code = 0;
  std::thread source_thread;
  if (const std::string source = absl::GetFlag(FLAGS_source); !source.empty()) {
    source_thread = std::thread([&, source] {
      SourceRunOptions run;
      run.source = source;
      run.max_frames = absl::GetFlag(FLAGS_max_frames);
      run.sink.folder = absl::GetFlag(FLAGS_output);
      run.sink.overlay = absl::GetFlag(FLAGS_overlay);
      run.stream = options->default_stream;
      absl::StatusOr<SourceRunSummary> summary = RunSource(core, run);
      if (summary.ok()) {
        TLOG(INFO) << "source done: " << summary->ToString() << "; wrote "
                   << run.sink.folder;
      } else {
        TLOG(ERROR) << "source failed: " << summary.status().ToString();
        exit_code = 1;
      }
      source_done = true;
    });
  }

  // The core has no clock of its own: deadlines and silent workers are
  // checked here a few times a second.
  while (!g_stop && !(source_done && absl::GetFlag(FLAGS_exit_after_source))) {
    core.Tick(absl::Now());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  TLOG(INFO) << "shutting down";
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (source_thread.joinable()) {
    if (!source_done) {
      // The source may be waiting for workers that will never come; what it
      // already wrote is on disk, so leave without waiting for it.
      TLOG(WARNING) << "stopped before --source finished";
      std::_Exit(130);
    }
    source_thread.join();
  }
  return exit_code;
}

}  // namespace
}  // namespace tessera::master

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-master --listen=0.0.0.0:7600 [--source=clip.mp4 "
      "--output=out]");
  tessera::ParseFlagsWithConfig("master", argc, argv);
  tessera::KeepLargeAllocations();
  tessera::SetLogProgramName("tessera-master");
  return tessera::master::Run();
}
