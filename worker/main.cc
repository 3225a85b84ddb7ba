// tessera-worker: connects out to the master, registers, and runs the
// segmentation path on the regions it is given.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "common/allocator_tuning.h"
#include "common/flag_values.h"
#include "common/log.h"
#include "worker/master_connection.h"
#include "worker/region_processor.h"
#include "worker/segmenter.h"

ABSL_FLAG(std::string, master, "localhost:7600", "master address host:port");
ABSL_FLAG(std::string, model, "", "TorchScript segmentation model (.pt)");
ABSL_FLAG(std::string, card, "",
          "model card JSON (default: the model's name with .card.json)");
ABSL_FLAG(std::string, backend, "torchscript",
          "segmentation backend: torchscript | null (no network; transport "
          "benchmarks only)");
ABSL_FLAG(std::string, device, "cpu", "cpu | cuda | cuda:N");
ABSL_FLAG(int, threads, 0, "inference threads (0: every core)");
ABSL_FLAG(std::string, name, "", "worker id (default: hostname-pid)");
ABSL_FLAG(int, max_in_flight, 2, "regions to keep queued at this worker");
ABSL_FLAG(std::string, probe_size, "512x288",
          "region size used to measure this worker's speed at start, WxH");
ABSL_FLAG(std::string, max_region_size, "8192x8192",
          "largest region accepted from the master, WxH");

namespace tessera::worker {
namespace {

void OnSignal(int) {
  // Only async-signal-safe work: the master requeues what was in flight.
  static const char kMessage[] = "tessera-worker: stopping\n";
  (void)!write(2, kMessage, sizeof(kMessage) - 1);
  std::_Exit(0);
}

std::string DefaultName() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrFormat("%s-%d", host, getpid());
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "tessera-worker: %s\n", message.c_str());
  return 2;
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
  SegmenterOptions segmenter_options;
  segmenter_options.backend = absl::GetFlag(FLAGS_backend);
  segmenter_options.model_path = absl::GetFlag(FLAGS_model);
  segmenter_options.card_path = absl::GetFlag(FLAGS_card);
  segmenter_options.device = absl::GetFlag(FLAGS_device);
  segmenter_options.threads = absl::GetFlag(FLAGS_threads);
  absl::StatusOr<std::unique_ptr<Segmenter>> segmenter =
      CreateSegmenter(segmenter_options);
  if (!segmenter.ok()) return Fail(std::string(segmenter.status().message()));

  absl::StatusOr<double> speed =
      MeasureRegionsPerSecond(**segmenter, *probe, 3);
  if (!speed.ok()) {
    return Fail("model fails on a probe region: " +
                std::string(speed.status().message()));
  }
  ConnectionOptions options;
  options.master = absl::GetFlag(FLAGS_master);
  options.worker_id = absl::GetFlag(FLAGS_name).empty()
                          ? DefaultName()
                          : absl::GetFlag(FLAGS_name);
  options.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  options.regions_per_second = *speed;
  options.limits = {max_region->width, max_region->height};
  TLOG(INFO) << options.worker_id << ": model " << (*segmenter)->model_name()
             << " on " << (*segmenter)->device() << ", "
             << absl::StrFormat("%.1f", *speed) << " regions/s at "
             << probe->width << "x" << probe->height << "; master "
             << options.master;
  SetLogProgramName("tessera-worker " + options.worker_id);

  MasterConnection connection(options, **segmenter);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  connection.Run();
  return 0;
}

}  // namespace
}  // namespace tessera::worker

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-worker --master=host:7600 --model=models/net.pt");
  absl::ParseCommandLine(argc, argv);
  tessera::KeepLargeAllocations();
  tessera::SetLogProgramName("tessera-worker");
  return tessera::worker::Run();
}
