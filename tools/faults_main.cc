// tessera-faults: the fault scenarios of issue 7 on a real local cluster,
// one after another, each on a fresh master and workers: a clip streamed at
// a camera's rate while a worker is killed or frozen, the master restarted,
// or every worker lost for a while. Prints what the client saw (frames
// lost, duplicated, refused, the longest stall) and writes faults.json.
//
//   tessera-faults                                  # all, generated clip
//   tessera-faults --scenarios=worker-killed,no-workers --model=models/synth.pt
//   tessera-faults --quick                          # CI: null backend, short
#include <cstdio>
#include <filesystem>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/flag_values.h"
#include "common/json_string.h"
#include "tools/fault_scenarios.h"
#include "tools/tool_paths.h"

ABSL_FLAG(std::string, scenarios, "all",
          "comma-separated: none, worker-killed, worker-frozen, "
          "master-restart, no-workers (all: every one)");
ABSL_FLAG(std::string, model, "models/synth.pt",
          "segmentation model (empty: the null backend)");
ABSL_FLAG(std::string, clip, "",
          "frames folder or video (empty: generate one with tessera-synth)");
ABSL_FLAG(int, frames, 100, "frames streamed per scenario");
ABSL_FLAG(std::string, size, "320x240", "generated clip's frame size");
ABSL_FLAG(double, rate, 8, "frames per second sent, like a camera");
ABSL_FLAG(int, workers, 3, "workers per scenario");
ABSL_FLAG(double, fault_after, 3, "seconds into the stream the fault comes");
ABSL_FLAG(double, outage, 3,
          "seconds a worker stays frozen, or the cluster without master or "
          "workers");
ABSL_FLAG(int, task_timeout_ms, 1500, "the master's --task_timeout_ms");
ABSL_FLAG(int, worker_silence_ms, 3000, "the master's --worker_silence_ms");
ABSL_FLAG(int, no_worker_grace_ms, 1000, "the master's --no_worker_grace_ms");
ABSL_FLAG(std::string, out, "out/faults", "faults.json and logs/");
ABSL_FLAG(std::string, bin_dir, "",
          "where tessera-master, tessera-worker and tessera-synth are "
          "(default: beside this program, or the build tree around it)");
ABSL_FLAG(bool, quick, false,
          "for CI: the null backend, 40 frames at 10 fps, fault after 1 s, "
          "outage 2 s");

namespace tessera::faults {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "tessera-faults: %s\n", message.c_str());
  return 2;
}

std::string ReportJson(const FaultReport& r) {
  return absl::StrFormat(
      "{\"scenario\": %s, \"frames\": %d, \"masks\": %d, \"refused\": %d, "
      "\"dropped\": %d, \"lost\": %d, \"duplicates\": %d, "
      "\"longest_stall_ms\": %.0f, \"reregistration_ms\": %.0f, "
      "\"client_error\": %s}",
      JsonString(ScenarioName(r.scenario)), r.frames, r.masks, r.refused,
      r.dropped, r.lost, r.duplicates, r.longest_stall_ms, r.reregistration_ms,
      JsonString(r.client_error));
}

int Run() {
  const std::string out = absl::GetFlag(FLAGS_out);
  std::filesystem::create_directories(out + "/logs");
  const std::string bin_dir = absl::GetFlag(FLAGS_bin_dir);
  const bool quick = absl::GetFlag(FLAGS_quick);

  std::vector<FaultScenario> scenarios;
  if (absl::GetFlag(FLAGS_scenarios) == "all") {
    scenarios = AllScenarios();
  } else {
    for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_scenarios),
                                                 ',', absl::SkipEmpty())) {
      absl::StatusOr<FaultScenario> scenario = ParseScenario(std::string(name));
      if (!scenario.ok()) return Fail(std::string(scenario.status().message()));
      scenarios.push_back(*scenario);
    }
  }
  if (scenarios.empty()) return Fail("--scenarios is empty");

  FaultOptions options;
  options.model = quick ? "" : absl::GetFlag(FLAGS_model);
  options.frames = quick ? 40 : absl::GetFlag(FLAGS_frames);
  options.rate = quick ? 10 : absl::GetFlag(FLAGS_rate);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.fault_after_s = quick ? 1 : absl::GetFlag(FLAGS_fault_after);
  options.outage_s = quick ? 2 : absl::GetFlag(FLAGS_outage);
  options.task_timeout_ms = absl::GetFlag(FLAGS_task_timeout_ms);
  options.worker_silence_ms = absl::GetFlag(FLAGS_worker_silence_ms);
  options.no_worker_grace_ms = absl::GetFlag(FLAGS_no_worker_grace_ms);
  options.log_dir = out + "/logs";
  if (options.frames < 1 || options.rate <= 0 || options.workers < 1) {
    return Fail("--frames, --rate and --workers must be positive");
  }
  if (!options.model.empty() && !std::filesystem::exists(options.model)) {
    return Fail("--model=" + options.model + " does not exist");
  }
  for (auto [binary, subdir, path] :
       {std::tuple{"tessera-master", "master", &options.master_binary},
        std::tuple{"tessera-worker", "worker", &options.worker_binary}}) {
    absl::StatusOr<std::string> found =
        FindTesseraBinary(binary, subdir, bin_dir);
    if (!found.ok()) return Fail(std::string(found.status().message()));
    *path = *found;
  }
  options.source = absl::GetFlag(FLAGS_clip);
  if (options.source.empty()) {
    absl::StatusOr<Size> size = ParseSize("--size", absl::GetFlag(FLAGS_size));
    if (!size.ok()) return Fail(std::string(size.status().message()));
    absl::StatusOr<std::string> synth =
        FindTesseraBinary("tessera-synth", "tools", bin_dir);
    if (!synth.ok()) return Fail(std::string(synth.status().message()));
    absl::StatusOr<GeneratedClip> clip =
        GenerateClip(*synth, out + "/clip", options.frames, *size, 500,
                     out + "/logs/synth.log");
    if (!clip.ok()) return Fail(std::string(clip.status().message()));
    options.source = clip->frames;
  } else if (!std::filesystem::exists(options.source)) {
    return Fail("--clip=" + options.source + " does not exist");
  }

  std::printf("%-15s %6s %6s %7s %7s %5s %5s %9s %9s\n", "scenario", "frames",
              "masks", "refused", "dropped", "lost", "dups", "stall ms",
              "rejoin ms");
  std::vector<std::string> items;
  int failures = 0;
  for (FaultScenario scenario : scenarios) {
    std::fprintf(stderr, "scenario %s...\n", ScenarioName(scenario).c_str());
    absl::StatusOr<FaultReport> report = RunFaultScenario(scenario, options);
    if (!report.ok()) {
      return Fail(ScenarioName(scenario) + ": " +
                  std::string(report.status().message()));
    }
    const FaultReport& r = *report;
    std::printf("%-15s %6d %6d %7d %7d %5d %5d %9.0f %9s\n",
                ScenarioName(r.scenario).c_str(), r.frames, r.masks, r.refused,
                r.dropped, r.lost, r.duplicates, r.longest_stall_ms,
                r.reregistration_ms >= 0
                    ? absl::StrFormat("%.0f", r.reregistration_ms).c_str()
                    : "-");
    if (!r.client_error.empty()) {
      std::printf("  the client was told: %s\n", r.client_error.c_str());
    }
    std::fflush(stdout);
    if (r.lost != 0 || r.duplicates != 0) ++failures;
    items.push_back(ReportJson(r));
  }
  const std::string json = absl::StrFormat(
      "{\"date\": %s, \"model\": %s, \"clip\": %s, \"frames\": %d, "
      "\"rate\": %.1f, \"workers\": %d, \"fault_after_s\": %.1f, "
      "\"outage_s\": %.1f, \"task_timeout_ms\": %d, \"worker_silence_ms\": "
      "%d, \"no_worker_grace_ms\": %d,\n \"scenarios\": [\n  %s\n ]}\n",
      JsonString(absl::FormatTime(absl::Now())), JsonString(options.model),
      JsonString(options.source), options.frames, options.rate, options.workers,
      options.fault_after_s, options.outage_s, options.task_timeout_ms,
      options.worker_silence_ms, options.no_worker_grace_ms,
      absl::StrJoin(items, ",\n  "));
  std::FILE* file = std::fopen((out + "/faults.json").c_str(), "w");
  if (file == nullptr || std::fputs(json.c_str(), file) < 0) {
    return Fail("cannot write " + out + "/faults.json");
  }
  std::fclose(file);
  std::printf("wrote %s/faults.json\n", out.c_str());
  // Losing or duplicating a frame is the failure this tool exists to catch.
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tessera::faults

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "fault scenarios on a local cluster (tessera-faults --quick for a "
      "smoke run)");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return tessera::faults::Fail(absl::StrCat(
        "unexpected argument '", positional[1], "' (flags are --name=value)"));
  }
  return tessera::faults::Run();
}
