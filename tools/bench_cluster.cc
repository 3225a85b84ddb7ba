#include "tools/bench_cluster.h"

#include <signal.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/frame_source.h"
#include "common/region_grid.h"
#include "tools/local_cluster.h"
#include "tools/metrics_scrape.h"

namespace tessera::bench {
namespace {

worker::PacingCounters ScrapePacing(int http_port) {
  const std::string page = ScrapeMetrics(http_port);
  return {.steps = static_cast<uint64_t>(
              MetricValue(page, "tessera_worker_emulated_steps_total")),
          .overruns = static_cast<uint64_t>(
              MetricValue(page, "tessera_worker_emulation_overruns_total")),
          .padded_seconds = MetricValue(
              page, "tessera_worker_emulation_padding_seconds_total")};
}

double ScrapeCpuSeconds(int http_port) {
  return MetricValue(ScrapeMetrics(http_port), "process_cpu_seconds_total");
}

std::vector<std::string> MasterFlags(const ClusterRunOptions& options) {
  return {absl::StrFormat("--grid=%dx%d", options.grid.rows, options.grid.cols),
          absl::StrCat("--halo=", options.grid.halo),
          options.flow_path ? "--dvs=fixed" : "--dvs=off",
          absl::StrCat("--threshold=", options.threshold),
          absl::StrCat("--max_key_age=", options.max_key_age),
          "--schedule=" + options.schedule,
          absl::StrCat("--key_affinity=", options.key_affinity),
          // The live view encodes overlays: work a bench should not measure.
          "--live_view=false",
          absl::StrCat("--pipeline_stages=", options.pipeline_stages)};
}

// The largest region the master will cut from the source's first frame:
// the workers time their two paths on it (worker --flow_if_faster) instead
// of on LocalCluster's small quick-start probe. Empty when the source
// cannot be read here; the stream will then report it.
std::optional<Size> LargestRegion(const ClusterRunOptions& options) {
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(options.source, 1);
  if (!source.ok()) return std::nullopt;
  absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
  if (!frame.ok() || !frame->has_value()) return std::nullopt;
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid((**frame).size(), options.grid);
  if (!regions.ok()) return std::nullopt;
  Size largest;
  for (const Region& region : *regions) {
    if (region.area.width * region.area.height >
        largest.width * largest.height) {
      largest = {region.area.width, region.area.height};
    }
  }
  return largest;
}

}  // namespace

absl::StatusOr<ClusterRun> RunCluster(const ClusterRunOptions& options) {
  LocalCluster cluster(
      {.workers = 0,
       .model = options.model,
       .master_flags = MasterFlags(options),
       .worker_flags = {absl::StrCat("--threads=", options.threads)},
       .name = options.name,
       .master_binary = options.master_binary,
       .worker_binary = options.worker_binary,
       .log_dir = options.log_dir});
  if (!cluster.Start()) {
    return absl::UnavailableError(absl::StrFormat(
        "the master did not start; see %s", cluster.master().log_path()));
  }
  const std::optional<Size> probe = LargestRegion(options);
  std::vector<std::string> http_port_files;
  for (size_t i = 0; i < options.worker_profiles.size(); ++i) {
    const std::string port_file = absl::StrFormat(
        "%s/%s-w%d.http-port", options.log_dir, options.name, i);
    std::remove(port_file.c_str());
    std::vector<std::string> flags = {"--http_listen=127.0.0.1:0",
                                      "--http_port_file=" + port_file};
    if (!options.worker_profiles[i].empty()) {
      flags.push_back("--device_profile=" + options.worker_profiles[i]);
    }
    if (!options.flow_path) flags.push_back("--flow=none");
    if (probe) {
      flags.push_back(
          absl::StrFormat("--probe_size=%dx%d", probe->width, probe->height));
    }
    if (options.pipeline_stages >= 2) {
      flags.push_back("--stage_listen=127.0.0.1:0");
    }
    flags.insert(flags.end(), options.worker_flags.begin(),
                 options.worker_flags.end());
    cluster.AddWorker(flags);
    http_port_files.push_back(port_file);
  }
  const int workers = static_cast<int>(options.worker_profiles.size());
  if (!cluster.WaitForWorkers(workers, 120000)) {
    for (int i = 0; i < workers; ++i) {
      if (!cluster.worker(i).running()) {
        return absl::UnavailableError(absl::StrFormat(
            "worker %d exited; see %s", i, cluster.worker(i).log_path()));
      }
    }
    return absl::UnavailableError(
        absl::StrFormat("%d workers did not all register within 120 s; see %s",
                        workers, cluster.master().log_path()));
  }
  if (options.pipeline_stages >= 2) {
    const int pipelines = workers / options.pipeline_stages;
    if (pipelines > 0 &&
        !WaitForLog(cluster.master(),
                    absl::StrFormat("pipeline p%d of model", pipelines),
                    30000)) {
      return absl::UnavailableError(absl::StrFormat(
          "%d pipeline(s) of %d stages did not form; see %s", pipelines,
          options.pipeline_stages, cluster.master().log_path()));
    }
  }

  client::StreamClientOptions stream;
  stream.master = cluster.address();
  stream.source = options.source;
  stream.max_frames = options.max_frames;
  stream.gt = options.gt;
  stream.palette = options.palette;
  stream.overlay = "none";
  stream.progress = false;
  const double cpu_before = ScrapeCpuSeconds(cluster.http_port());
  absl::StatusOr<client::StreamSummary> summary = client::RunStream(stream);
  if (!summary.ok()) return summary.status();

  ClusterRun run;
  run.summary = *std::move(summary);
  run.master_cpu_seconds = ScrapeCpuSeconds(cluster.http_port()) - cpu_before;
  for (const std::string& file : http_port_files) {
    const int port = WaitForPortFile(file, 1000);
    if (port == 0) continue;
    const worker::PacingCounters pacing = ScrapePacing(port);
    run.pacing.steps += pacing.steps;
    run.pacing.overruns += pacing.overruns;
    run.pacing.padded_seconds += pacing.padded_seconds;
  }
  // Workers first, so that none is left waiting on a master that is gone.
  for (int i = 0; i < workers; ++i) cluster.worker(i).Kill(SIGTERM);
  cluster.master().Kill(SIGTERM);
  return run;
}

}  // namespace tessera::bench
