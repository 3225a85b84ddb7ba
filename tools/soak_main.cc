// tessera-soak: memory over a long run (issue 7). A local master and N
// workers segment a short generated clip played in a loop, as fast as the
// cluster goes, for --frames frames (10,000 by default); every few seconds
// the master's and each worker's resident memory is read from their
// /metrics. After the warm-up, memory must stay flat: each process's
// growth from its first sample past --warmup_frames to its last must stay
// under --max_growth (5 %), or the tool exits 1.
//
//   tessera-soak                                   # 10,000 frames, synth
//   tessera-soak --frames=600 --warmup_frames=100  # a short check
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/stream_client.h"
#include "common/flag_values.h"
#include "common/json_string.h"
#include "tools/child_process.h"
#include "tools/local_cluster.h"
#include "tools/metrics_scrape.h"
#include "tools/tool_paths.h"

ABSL_FLAG(int, frames, 10000, "frames streamed");
ABSL_FLAG(int, warmup_frames, 1000,
          "frames before the memory baseline is taken");
ABSL_FLAG(int, workers, 2, "workers");
ABSL_FLAG(std::string, model, "models/synth.pt",
          "segmentation model (empty: the null backend)");
ABSL_FLAG(std::string, size, "480x360", "generated clip's frame size");
ABSL_FLAG(int, clip_frames, 60, "generated clip's length (it is looped)");
ABSL_FLAG(std::string, dvs, "fixed", "the master's --dvs (fixed, off, ...)");
ABSL_FLAG(double, sample_seconds, 5, "seconds between memory samples");
ABSL_FLAG(double, max_growth, 0.05,
          "largest allowed growth of a process's memory after warm-up");
ABSL_FLAG(std::string, out, "out/soak", "soak.csv, soak.json and logs/");
ABSL_FLAG(std::string, bin_dir, "",
          "where tessera-master, tessera-worker and tessera-synth are "
          "(default: beside this program, or the build tree around it)");

namespace tessera::soak {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "tessera-soak: %s\n", message.c_str());
  return 2;
}

struct Sample {
  double seconds = 0;
  double frames_out = 0;
  std::vector<double> rss_mb;  // master, then each worker
};

int Run() {
  const std::string out = absl::GetFlag(FLAGS_out);
  const std::string bin_dir = absl::GetFlag(FLAGS_bin_dir);
  const int frames = absl::GetFlag(FLAGS_frames);
  const int warmup = absl::GetFlag(FLAGS_warmup_frames);
  const int workers = absl::GetFlag(FLAGS_workers);
  if (frames < 1 || warmup < 0 || warmup >= frames || workers < 1) {
    return Fail(
        "need --frames >= 1, 0 <= --warmup_frames < --frames and "
        "--workers >= 1");
  }
  const std::string model = absl::GetFlag(FLAGS_model);
  if (!model.empty() && !std::filesystem::exists(model)) {
    return Fail("--model=" + model + " does not exist");
  }
  std::filesystem::create_directories(out + "/logs");
  absl::StatusOr<std::string> master =
      FindTesseraBinary("tessera-master", "master", bin_dir);
  absl::StatusOr<std::string> worker =
      FindTesseraBinary("tessera-worker", "worker", bin_dir);
  absl::StatusOr<std::string> synth =
      FindTesseraBinary("tessera-synth", "tools", bin_dir);
  for (const auto* found : {&master, &worker, &synth}) {
    if (!found->ok()) return Fail(std::string(found->status().message()));
  }
  absl::StatusOr<Size> size = ParseSize("--size", absl::GetFlag(FLAGS_size));
  if (!size.ok()) return Fail(std::string(size.status().message()));
  absl::StatusOr<GeneratedClip> clip =
      GenerateClip(*synth, out + "/clip", absl::GetFlag(FLAGS_clip_frames),
                   *size, 500, out + "/logs/synth.log");
  if (!clip.ok()) return Fail(std::string(clip.status().message()));

  LocalCluster cluster({.workers = 0,
                        .model = model,
                        .master_flags = {"--dvs=" + absl::GetFlag(FLAGS_dvs),
                                         "--live_view=false"},
                        .name = "soak",
                        .master_binary = *master,
                        .worker_binary = *worker,
                        .log_dir = out + "/logs"});
  if (!cluster.Start()) {
    return Fail("the master did not start; see " + cluster.master().log_path());
  }
  std::vector<std::string> port_files;
  for (int i = 0; i < workers; ++i) {
    port_files.push_back(absl::StrFormat("%s/logs/soak-w%d.http-port", out, i));
    std::remove(port_files.back().c_str());
    cluster.AddWorker(
        {"--http_listen=127.0.0.1:0", "--http_port_file=" + port_files.back()});
  }
  if (!cluster.WaitForWorkers(workers, 120000)) {
    return Fail("the workers did not register; see " +
                cluster.master().log_path());
  }
  std::vector<int> ports = {cluster.http_port()};
  for (const std::string& file : port_files) {
    ports.push_back(WaitForPortFile(file, 5000));
  }

  client::StreamClientOptions stream;
  stream.master = cluster.address();
  stream.source = clip->frames;
  stream.loop = true;
  stream.max_frames = frames;
  stream.overlay = "none";
  stream.progress = false;
  absl::StatusOr<client::StreamSummary> summary = absl::UnknownError("not run");
  absl::Notification done;
  const absl::Time start = absl::Now();
  std::thread streamer([&] {
    summary = client::RunStream(stream);
    done.Notify();
  });
  std::vector<Sample> samples;
  auto take_sample = [&] {
    Sample sample;
    sample.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    for (size_t i = 0; i < ports.size(); ++i) {
      const std::string page = ScrapeMetrics(ports[i]);
      if (i == 0) {
        sample.frames_out = MetricValue(page, "tessera_frames_out_total");
      }
      sample.rss_mb.push_back(
          MetricValue(page, "process_resident_memory_bytes") / 1e6);
    }
    samples.push_back(sample);
    std::fprintf(
        stderr, "%7.0f s  %6.0f frames  RSS MB: %s\n", sample.seconds,
        sample.frames_out,
        absl::StrJoin(sample.rss_mb, " ", [](std::string* s, double mb) {
          absl::StrAppendFormat(s, "%.1f", mb);
        }).c_str());
  };
  const absl::Duration every =
      absl::Seconds(absl::GetFlag(FLAGS_sample_seconds));
  while (!done.WaitForNotificationWithTimeout(every)) take_sample();
  streamer.join();
  take_sample();  // after the last frame, before anything shuts down
  if (!summary.ok())
    return Fail("the stream failed: " + summary.status().ToString());

  // The baseline: the first sample at or past the warm-up.
  const Sample* baseline = nullptr;
  for (const Sample& s : samples) {
    if (s.frames_out >= warmup) {
      baseline = &s;
      break;
    }
  }
  const Sample& last = samples.back();
  if (baseline == nullptr || baseline == &last) {
    return Fail(
        "no memory sample between the warm-up and the end: more "
        "--frames or a shorter --sample_seconds");
  }
  std::vector<std::string> names = {"master"};
  for (int i = 0; i < workers; ++i) names.push_back(absl::StrCat("worker ", i));
  const double max_growth = absl::GetFlag(FLAGS_max_growth);
  bool flat = true;
  std::vector<std::string> json_processes;
  std::printf("%d frames in %.0f s (%.1f fps), %d masks, %d lost\n",
              summary->frames_sent, summary->seconds,
              summary->masks / std::max(1e-9, summary->seconds), summary->masks,
              summary->frames_sent - summary->masks - summary->errors -
                  summary->dropped);
  std::printf("%-9s %12s %12s %10s %8s\n", "process", "MB at warm-up",
              "MB at end", "peak MB", "growth");
  for (size_t p = 0; p < names.size(); ++p) {
    double peak = 0;
    for (const Sample& s : samples) peak = std::max(peak, s.rss_mb[p]);
    const double growth =
        baseline->rss_mb[p] > 0
            ? (last.rss_mb[p] - baseline->rss_mb[p]) / baseline->rss_mb[p]
            : 0;
    if (growth >= max_growth) flat = false;
    std::printf("%-9s %12.1f %12.1f %10.1f %+7.1f%%\n", names[p].c_str(),
                baseline->rss_mb[p], last.rss_mb[p], peak, 100 * growth);
    json_processes.push_back(absl::StrFormat(
        "{\"process\": %s, \"warmup_mb\": %.1f, \"end_mb\": %.1f, "
        "\"peak_mb\": %.1f, \"growth\": %.4f}",
        JsonString(names[p]), baseline->rss_mb[p], last.rss_mb[p], peak,
        growth));
  }

  std::string csv = "seconds,frames_out";
  for (const std::string& name : names) absl::StrAppend(&csv, ",", name, "_mb");
  csv += "\n";
  for (const Sample& s : samples) {
    absl::StrAppendFormat(&csv, "%.1f,%.0f", s.seconds, s.frames_out);
    for (double mb : s.rss_mb) absl::StrAppendFormat(&csv, ",%.2f", mb);
    csv += "\n";
  }
  const std::string json = absl::StrFormat(
      "{\"date\": %s, \"model\": %s, \"frames\": %d, \"warmup_frames\": %d, "
      "\"workers\": %d, \"dvs\": %s, \"seconds\": %.1f, \"masks\": %d, "
      "\"max_growth\": %.3f, \"flat\": %s,\n \"processes\": [\n  %s\n ]}\n",
      JsonString(absl::FormatTime(absl::Now())), JsonString(model), frames,
      warmup, workers, JsonString(absl::GetFlag(FLAGS_dvs)), summary->seconds,
      summary->masks, max_growth, flat ? "true" : "false",
      absl::StrJoin(json_processes, ",\n  "));
  for (const auto& [name, text] :
       {std::pair{std::string("/soak.csv"), csv},
        std::pair{std::string("/soak.json"), json}}) {
    std::FILE* file = std::fopen((out + name).c_str(), "w");
    if (file == nullptr || std::fputs(text.c_str(), file) < 0) {
      return Fail("cannot write " + out + name);
    }
    std::fclose(file);
  }
  std::printf(
      "memory %s (limit %+.0f%% after warm-up); wrote %s/soak.csv, "
      "%s/soak.json\n",
      flat ? "flat" : "GREW", 100 * max_growth, out.c_str(), out.c_str());
  return flat && summary->masks == frames ? 0 : 1;
}

}  // namespace
}  // namespace tessera::soak

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "memory over a long run of a local cluster (tessera-soak "
      "--frames=600 --warmup_frames=100 for a short check)");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return tessera::soak::Fail(absl::StrCat(
        "unexpected argument '", positional[1], "' (flags are --name=value)"));
  }
  return tessera::soak::Run();
}
