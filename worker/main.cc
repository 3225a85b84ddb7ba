// tessera-worker: connects out to the master, registers, and runs each
// region it is given on the segmentation path or, when the decision network
// trusts the region's key, on the flow path.
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/allocator_tuning.h"
#include "common/auth_token.h"
#include "common/flag_config.h"
#include "common/flag_values.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/process_stats.h"
#include "common/tls.h"
#include "worker/decision_network.h"
#include "worker/device_profile.h"
#include "worker/flow_path_setup.h"
#include "worker/master_connection.h"
#include "worker/model_card.h"
#include "worker/optical_flow.h"
#include "worker/probe_timing.h"
#include "worker/region_processor.h"
#include "worker/segmenter.h"
#include "worker/stage_pipeline.h"
#include "worker/stage_service.h"
#include "worker/warp_flags.h"
#include "worker/worker_counters.h"

ABSL_FLAG(std::string, master, "localhost:7600", "master address host:port");
ABSL_FLAG(std::string, model, "", "TorchScript segmentation model (.pt)");
ABSL_FLAG(std::string, card, "",
          "model card JSON (default: the model's name with .card.json)");
ABSL_FLAG(std::string, backend, "torchscript",
          "segmentation backend: torchscript | null (no network; transport "
          "benchmarks only)");
ABSL_FLAG(std::string, device, "cpu", "cpu | cuda | cuda:N");
ABSL_FLAG(int, threads, 0, "inference threads (0: every core)");
ABSL_FLAG(std::string, precision, "fp32",
          "network arithmetic: fp32 | fp16 (CUDA) | bf16");
ABSL_FLAG(bool, channels_last, false,
          "run the network in NHWC layout (faster on tensor-core GPUs)");
ABSL_FLAG(bool, cuda_graphs, false,
          "replay the network as one CUDA graph per region shape (CUDA)");
ABSL_FLAG(bool, fused_labels, true,
          "CUDA: the region's labels from its scores in one kernel (off: "
          "the ATen upsample and argmax, for comparison)");
ABSL_FLAG(bool, optimize, false,
          "CUDA: freeze the network with its batch norms folded and let "
          "cuDNN time its algorithms per region shape (helps fp32 NCHW, "
          "hurts fp16 and --channels_last: BENCHMARKS.md)");
ABSL_FLAG(int, lanes, 0,
          "batches under way at once, each with its own CUDA stream, pinned "
          "buffers and graphs, so that one batch's copies overlap another's "
          "kernels; 1..8 (0: 2 on a GPU, 1 on a CPU)");
ABSL_FLAG(std::string, name, "", "worker id (default: hostname-pid)");
ABSL_FLAG(int, max_in_flight, 4,
          "regions to keep queued at this worker (the master caps it at its "
          "own --max_in_flight). Warped regions take a few ms, less than a "
          "trip to the master and back: with 2 queued a lone DVS worker "
          "sat idle 9 % of the time (BENCHMARKS.md, \"Each network's own "
          "search radius\")");
ABSL_FLAG(int, max_batch, 1,
          "regions segmented in one forward pass at most (a GPU worker's "
          "batch; regions of one size go together); the worker asks the "
          "master for at least (lanes + 1) times this many in flight");
ABSL_FLAG(int, max_wait_us, 2000,
          "with --max_batch > 1: how long the first waiting region may wait "
          "for others to fill its batch, microseconds");
ABSL_FLAG(std::string, probe_size, "512x288",
          "region size used to measure this worker's speed at start, WxH");
ABSL_FLAG(std::string, max_region_size, "8192x8192",
          "largest region accepted from the master, WxH");
ABSL_FLAG(std::string, flow, "dis",
          "optical flow of the flow path: dis | torchscript | none (segment "
          "every region)");
ABSL_FLAG(std::string, flow_if_faster, "auto",
          "true: keep the flow path only if it is faster than segmenting "
          "(both timed at start on the probe region, segmentation at "
          "--max_batch), so a GPU worker whose flow runs on the CPU "
          "segments every region; false: keep it regardless; auto: true "
          "on a CUDA device, false on a CPU (where the flow is the cheap "
          "path by design, and a timing must not decide)");
ABSL_FLAG(std::string, flow_preset, "ultrafast",
          "DIS preset: ultrafast | fast | medium");
ABSL_FLAG(double, flow_scale, 1.0,
          "compute flow on regions scaled by this factor (0 < s <= 1)");
ABSL_FLAG(std::string, carry_warps, "auto",
          "warp a region from the newest frame this worker warped from its "
          "key, following one frame of motion instead of all since the "
          "key: true | false (from the key itself, the paper) | auto (as "
          "the decision network was trained)");
ABSL_FLAG(std::string, flow_model, "",
          "TorchScript flow network for --flow=torchscript");
ABSL_FLAG(std::string, dn, "",
          "decision network (.dn.json; default: the model's name with "
          ".dn.json, and no flow path when that file does not exist)");
ABSL_FLAG(std::string, device_profile, "",
          "emulate a slower device: pad each step of a region to the times "
          "in this profile (bench/profiles/*.json)");
ABSL_FLAG(int, key_capacity, 64,
          "regions whose key this worker keeps (with carried warps, each "
          "also keeps its newest warped frame: twice the memory)");
ABSL_FLAG(std::string, http_listen, "",
          "HTTP address for /metrics and /healthz, e.g. 0.0.0.0:7681 (empty: "
          "none, so that workers sharing a host need no ports)");
ABSL_FLAG(std::string, http_port_file, "",
          "write the bound HTTP port here (useful with --http_listen=host:0)");
ABSL_FLAG(std::string, stage_listen, "",
          "serve pipeline stages of the model to other workers on this "
          "address, e.g. 0.0.0.0:7700 (empty: whole model only; issue 9)");
ABSL_FLAG(std::string, stage_advertise, "",
          "the address other workers reach the stage port at (default: "
          "this host's name and the bound port)");
ABSL_FLAG(int, stage_probe, 256,
          "side of the square input the model's pieces are timed on for the "
          "master's pipeline planner");

namespace tessera::worker {
namespace {

void OnSignal(int) {
  // Only async-signal-safe work: the master requeues what was in flight.
  static const char kMessage[] = "tessera-worker: stopping\n";
  (void)!write(2, kMessage, sizeof(kMessage) - 1);
  std::_Exit(0);
}

std::string HostName() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return host;
}

std::string DefaultName() {
  return absl::StrFormat("%s-%d", HostName(), getpid());
}

struct StageEndpoint {
  std::unique_ptr<StageServer> server;  // null: no stages served
  v1::StageServing serving;             // for the hello
};

// With --stage_listen: the Pipeline service on its port, and the model's
// pieces timed for the master's planner (as the emulated device's, with
// --device_profile).
absl::StatusOr<StageEndpoint> ServeStages(Segmenter& segmenter,
                                          std::shared_ptr<DevicePacer> pacer) {
  StageEndpoint out;
  const std::string listen = absl::GetFlag(FLAGS_stage_listen);
  if (listen.empty()) return out;
  std::shared_ptr<StagePipeline> pipeline = segmenter.stage_pipeline();
  if (!pipeline) {
    return absl::InvalidArgumentError(
        "--stage_listen needs the torchscript backend");
  }
  if (absl::GetFlag(FLAGS_stage_probe) < 32) {
    return absl::InvalidArgumentError("--stage_probe must be >= 32");
  }
  if (pacer) pipeline->EmulateWith(std::move(pacer));
  absl::StatusOr<std::unique_ptr<StageServer>> server =
      StageServer::Start(listen, pipeline);
  if (!server.ok()) return server.status();
  std::string advertise = absl::GetFlag(FLAGS_stage_advertise);
  if (advertise.empty()) {
    // A named listening host is where others reach it; a wildcard one is
    // reached by this machine's name.
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host.empty() || host == "0.0.0.0" || host == "[::]") host = HostName();
    advertise = absl::StrFormat("%s:%d", host, (*server)->port());
  }
  absl::StatusOr<v1::StageServing> serving =
      pipeline->Measure(absl::GetFlag(FLAGS_stage_probe), advertise);
  if (!serving.ok()) return serving.status();
  TLOG(INFO) << "serving pipeline stages at " << advertise << " ("
             << serving->cut_points_size() << " cut points timed on "
             << serving->probe() << ")";
  out.server = *std::move(server);
  out.serving = *std::move(serving);
  return out;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "tessera-worker: %s\n", message.c_str());
  return 2;
}

// The flow path, or nullptr when this worker segments every region. Only a
// decision network left at its default may be missing; anything asked for
// explicitly must load.
absl::StatusOr<std::unique_ptr<OpticalFlow>> LoadFlow(bool* enabled) {
  *enabled = absl::GetFlag(FLAGS_flow) != "none";
  if (!*enabled) return nullptr;
  OpticalFlowOptions options;
  options.backend = absl::GetFlag(FLAGS_flow);
  options.preset = absl::GetFlag(FLAGS_flow_preset);
  options.scale = absl::GetFlag(FLAGS_flow_scale);
  options.model_path = absl::GetFlag(FLAGS_flow_model);
  options.device = absl::GetFlag(FLAGS_device);
  return CreateOpticalFlow(options);
}

absl::StatusOr<std::unique_ptr<DecisionNetwork>> LoadDn(
    const std::string& model_path) {
  std::string path = absl::GetFlag(FLAGS_dn);
  if (path.empty()) {
    path = DecisionNetworkPathFor(model_path);
    if (model_path.empty() || !std::filesystem::exists(path)) {
      TLOG(WARNING) << "no decision network (" << path
                    << " does not exist): every region takes the "
                       "segmentation path";
      return nullptr;
    }
  }
  return LoadDecisionNetwork(path);
}

// "true", "false", or "auto" (then `automatic`), for the flag `name`.
absl::StatusOr<bool> ParseAutoBool(const std::string& name,
                                   const std::string& value, bool automatic) {
  if (value == "auto") return automatic;
  if (value == "true") return true;
  if (value == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrFormat("%s=%s: must be true, false or auto", name, value));
}

// Drops `flow_path` where warping a region costs more than segmenting one:
// the paper's premise, that flow is the cheap path, fails on a GPU worker
// whose flow runs on the CPU (BENCHMARKS.md "GPU workers").
// `alone_per_second`: the segmentation path's speed one region at a time.
absl::Status KeepFlowPathIfFaster(Segmenter& segmenter, Size probe,
                                  double alone_per_second,
                                  std::unique_ptr<FlowPath>& flow_path) {
  const int batch = std::max(1, absl::GetFlag(FLAGS_max_batch));
  absl::StatusOr<double> per_second =
      batch == 1 ? alone_per_second
                 : MeasureRegionsPerSecond(segmenter, probe, 3, batch);
  if (!per_second.ok()) {
    return absl::Status(
        per_second.status().code(),
        absl::StrFormat("model fails on a probe batch of %d: %s", batch,
                        per_second.status().message()));
  }
  absl::StatusOr<double> flow_ms = MeasureFlowPathMs(*flow_path, probe, 3);
  if (!flow_ms.ok()) {
    return absl::Status(flow_ms.status().code(),
                        absl::StrCat("flow path fails on a probe region: ",
                                     flow_ms.status().message()));
  }
  const double segmentation_ms = 1000.0 / *per_second;
  const std::string timings = absl::StrFormat(
      "%.2f ms per %dx%d region against %.2f ms to segment one (batch %d)",
      *flow_ms, probe.width, probe.height, segmentation_ms, batch);
  if (*flow_ms < segmentation_ms) {
    TLOG(INFO) << "flow path: " << timings;
    return absl::OkStatus();
  }
  TLOG(WARNING) << "flow path off, every region is segmented: it takes "
                << timings << " (--flow_if_faster=false keeps it)";
  flow_path.reset();
  return absl::OkStatus();
}

int Run() {
  absl::StatusOr<Size> probe =
      ParseSize("--probe_size", absl::GetFlag(FLAGS_probe_size));
  if (!probe.ok()) return Fail(std::string(probe.status().message()));
  absl::StatusOr<Size> max_region =
      ParseSize("--max_region_size", absl::GetFlag(FLAGS_max_region_size));
  if (!max_region.ok()) {
    return Fail(std::string(max_region.status().message()));
  }
  if (absl::GetFlag(FLAGS_max_in_flight) < 1 ||
      absl::GetFlag(FLAGS_threads) < 0) {
    return Fail("--max_in_flight must be >= 1 and --threads >= 0");
  }
  if (absl::GetFlag(FLAGS_max_batch) < 1 ||
      absl::GetFlag(FLAGS_max_batch) > 256 ||
      absl::GetFlag(FLAGS_max_wait_us) < 0) {
    return Fail("--max_batch must be within 1..256 and --max_wait_us >= 0");
  }
  SegmenterOptions segmenter_options;
  segmenter_options.backend = absl::GetFlag(FLAGS_backend);
  segmenter_options.model_path = absl::GetFlag(FLAGS_model);
  segmenter_options.card_path = absl::GetFlag(FLAGS_card);
  segmenter_options.device = absl::GetFlag(FLAGS_device);
  segmenter_options.threads = absl::GetFlag(FLAGS_threads);
  segmenter_options.precision = absl::GetFlag(FLAGS_precision);
  segmenter_options.channels_last = absl::GetFlag(FLAGS_channels_last);
  segmenter_options.cuda_graphs = absl::GetFlag(FLAGS_cuda_graphs);
  segmenter_options.fused_labels = absl::GetFlag(FLAGS_fused_labels);
  segmenter_options.optimize = absl::GetFlag(FLAGS_optimize);
  segmenter_options.serve_stages = !absl::GetFlag(FLAGS_stage_listen).empty();
  const bool gpu = absl::StartsWith(segmenter_options.device, "cuda");
  segmenter_options.lanes = absl::GetFlag(FLAGS_lanes);
  if (segmenter_options.lanes < 0 ||
      segmenter_options.lanes > kMaxSegmenterLanes) {
    return Fail(absl::StrFormat("--lanes=%d: must be 0..%d",
                                segmenter_options.lanes, kMaxSegmenterLanes));
  }
  if (segmenter_options.lanes == 0) {
    segmenter_options.lanes = gpu && !segmenter_options.serve_stages ? 2 : 1;
  }
  // Checked before any model loads; "auto" is settled by the network.
  absl::StatusOr<WarpFlags> warp =
      WarpFromFlags(segmenter_options.card_path.empty()
                        ? ModelCardPathFor(segmenter_options.model_path)
                        : segmenter_options.card_path);
  if (!warp.ok()) return Fail(std::string(warp.status().message()));
  absl::StatusOr<bool> only_if_faster = ParseAutoBool(
      "--flow_if_faster", absl::GetFlag(FLAGS_flow_if_faster), gpu);
  if (!only_if_faster.ok()) {
    return Fail(std::string(only_if_faster.status().message()));
  }
  // Checked before any model loads; "auto" is settled by the network.
  if (absl::StatusOr<bool> carry = ParseAutoBool(
          "--carry_warps", absl::GetFlag(FLAGS_carry_warps), false);
      !carry.ok()) {
    return Fail(std::string(carry.status().message()));
  }
  absl::StatusOr<std::unique_ptr<Segmenter>> segmenter =
      CreateSegmenter(segmenter_options);
  if (!segmenter.ok()) return Fail(std::string(segmenter.status().message()));
  absl::StatusOr<std::shared_ptr<DevicePacer>> emulated =
      EmulateDevice(absl::GetFlag(FLAGS_device_profile), *segmenter);
  if (!emulated.ok()) return Fail(std::string(emulated.status().message()));
  const std::shared_ptr<DevicePacer> pacer = *std::move(emulated);

  absl::StatusOr<double> speed =
      MeasureRegionsPerSecond(**segmenter, *probe, 3);
  if (!speed.ok()) {
    return Fail("model fails on a probe region: " +
                std::string(speed.status().message()));
  }
  bool flow_enabled = false;
  absl::StatusOr<std::unique_ptr<OpticalFlow>> flow = LoadFlow(&flow_enabled);
  if (!flow.ok()) return Fail(std::string(flow.status().message()));
  std::unique_ptr<DecisionNetwork> dn;
  if (flow_enabled) {
    absl::StatusOr<std::unique_ptr<DecisionNetwork>> loaded =
        LoadDn(segmenter_options.model_path);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    dn = *std::move(loaded);
  }
  std::unique_ptr<FlowPath> flow_path;
  if (*flow && dn) {
    const absl::StatusOr<bool> carried =
        ParseAutoBool("--carry_warps", absl::GetFlag(FLAGS_carry_warps),
                      dn->spec().carried_warps());
    flow_path =
        MakeWorkerFlowPath(**flow, *dn, pacer.get(), warp->warp, warp->choice,
                           *carried, (*segmenter)->model_name());
  }
  if (flow_path && *only_if_faster) {
    absl::Status checked =
        KeepFlowPathIfFaster(**segmenter, *probe, *speed, flow_path);
    if (!checked.ok()) return Fail(std::string(checked.message()));
  }
  if (absl::GetFlag(FLAGS_key_capacity) < 1) {
    return Fail("--key_capacity must be >= 1");
  }
  absl::StatusOr<StageEndpoint> stages = ServeStages(**segmenter, pacer);
  if (!stages.ok()) return Fail(std::string(stages.status().message()));

  ConnectionOptions options;
  options.master = absl::GetFlag(FLAGS_master);
  options.worker_id = absl::GetFlag(FLAGS_name).empty()
                          ? DefaultName()
                          : absl::GetFlag(FLAGS_name);
  options.max_batch = absl::GetFlag(FLAGS_max_batch);
  options.max_batch_wait = absl::Microseconds(absl::GetFlag(FLAGS_max_wait_us));
  // Enough in flight to fill a batch while one runs on every lane.
  options.inference_threads = segmenter_options.lanes;
  options.max_in_flight =
      std::max(absl::GetFlag(FLAGS_max_in_flight),
               (segmenter_options.lanes + 1) * options.max_batch);
  options.regions_per_second = *speed;
  options.limits = {max_region->width, max_region->height};
  options.key_capacity = absl::GetFlag(FLAGS_key_capacity);
  absl::StatusOr<std::string> token = AuthTokenFromFlag();
  if (!token.ok()) return Fail(std::string(token.status().message()));
  options.auth_token = *std::move(token);
  absl::StatusOr<TlsFiles> tls = TlsFilesFromFlags(TlsSide::kPeer);
  if (!tls.ok()) return Fail(std::string(tls.status().message()));
  options.tls = *std::move(tls);
  options.stage_pipeline = (*segmenter)->stage_pipeline();
  // Heading a pipeline of up to 4 stages, up to 4 batches are under way at
  // once (each one stage further on); the master sends enough for them.
  if (stages->server) options.inference_threads = 4;
  if (stages->server) options.stage_serving = stages->serving;
  TLOG(INFO) << options.worker_id << ": model " << (*segmenter)->model_name()
             << " on " << (*segmenter)->device() << ", "
             << absl::StrFormat("%.1f", *speed) << " regions/s at "
             << probe->width << "x" << probe->height << "; flow path "
             << (flow_path ? (*flow)->name() + " + " + dn->spec().name()
                           : std::string("off"))
             << "; master " << options.master << " in "
             << DescribeTls(options.tls, TlsSide::kPeer)
             << (options.max_batch > 1
                     ? absl::StrFormat("; batches of up to %d regions, "
                                       "%d in flight",
                                       options.max_batch, options.max_in_flight)
                     : std::string());
  SetLogProgramName("tessera-worker " + options.worker_id);

  MasterConnection connection(options, **segmenter, flow_path.get());
  std::unique_ptr<HttpServer> http;
  if (const std::string address = absl::GetFlag(FLAGS_http_listen);
      !address.empty()) {
    absl::StatusOr<std::unique_ptr<HttpServer>> started = HttpServer::Start(
        "--http_listen", address,
        [&connection, &pacer](httplib::Server& server) {
          server.Get("/metrics",
                     [&connection, &pacer](const httplib::Request&,
                                           httplib::Response& response) {
                       WorkerCounters counters = connection.counters();
                       if (pacer != nullptr)
                         counters.pacing = pacer->counters();
                       std::string text = WorkerPrometheusText(counters);
                       AppendProcessMetrics(text);
                       response.set_content(
                           text, "text/plain; version=0.0.4; charset=utf-8");
                     });
        });
    if (!started.ok()) return Fail(std::string(started.status().message()));
    http = *std::move(started);
    TLOG(INFO) << "HTTP /metrics, /healthz on port " << http->port();
    if (const std::string file = absl::GetFlag(FLAGS_http_port_file);
        !file.empty()) {
      std::ofstream(file) << http->port() << "\n";
    }
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  connection.Run();
  if (pacer != nullptr) {
    const PacingCounters pacing = pacer->counters();
    TLOG(INFO) << "emulated " << pacer->profile().name() << ": " << pacing.steps
               << " steps padded by "
               << absl::StrFormat("%.1f", pacing.padded_seconds)
               << " s in all; " << pacing.overruns
               << " took longer than the profile (this machine was slower "
                  "than the device it emulates)";
  }
  return 0;
}

}  // namespace
}  // namespace tessera::worker

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-worker --master=host:7600 --model=models/net.pt");
  tessera::ParseFlagsWithConfig("worker", argc, argv);
  tessera::KeepLargeAllocations();
  tessera::SetLogProgramName("tessera-worker");
  return tessera::worker::Run();
}
