#include "tools/fault_scenarios.h"

#include <signal.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/stream_client.h"
#include "tools/local_cluster.h"

namespace tessera::faults {
namespace {

namespace fs = std::filesystem;

void SleepSeconds(double seconds) { absl::SleepFor(absl::Seconds(seconds)); }

// Masks a stream wrote before it failed: the client writes each one as it
// arrives, in frame order.
int MasksWritten(const std::string& output) {
  std::error_code error;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(output + "/labels", error)) {
    if (entry.path().extension() == ".png") ++count;
  }
  return count;
}

}  // namespace

const std::vector<FaultScenario>& AllScenarios() {
  static const std::vector<FaultScenario> all = {
      FaultScenario::kNone, FaultScenario::kWorkerKilled,
      FaultScenario::kWorkerFrozen, FaultScenario::kMasterRestart,
      FaultScenario::kNoWorkers};
  return all;
}

std::string ScenarioName(FaultScenario scenario) {
  switch (scenario) {
    case FaultScenario::kNone:
      return "none";
    case FaultScenario::kWorkerKilled:
      return "worker-killed";
    case FaultScenario::kWorkerFrozen:
      return "worker-frozen";
    case FaultScenario::kMasterRestart:
      return "master-restart";
    case FaultScenario::kNoWorkers:
      return "no-workers";
  }
  return "?";
}

absl::StatusOr<FaultScenario> ParseScenario(const std::string& name) {
  for (FaultScenario scenario : AllScenarios()) {
    if (ScenarioName(scenario) == name) return scenario;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown scenario '%s' (none, worker-killed, worker-frozen, "
      "master-restart, no-workers)",
      name));
}

absl::StatusOr<FaultReport> RunFaultScenario(FaultScenario scenario,
                                             const FaultOptions& options) {
  const std::string name = ScenarioName(scenario);
  LocalCluster cluster(
      {.workers = options.workers,
       .model = options.model,
       .master_flags =
           {absl::StrCat("--task_timeout_ms=", options.task_timeout_ms),
            absl::StrCat("--worker_silence_ms=", options.worker_silence_ms),
            absl::StrCat("--no_worker_grace_ms=", options.no_worker_grace_ms),
            "--live_view=false"},
       .name = name,
       .master_binary = options.master_binary,
       .worker_binary = options.worker_binary,
       .log_dir = options.log_dir});
  if (!cluster.Start()) {
    return absl::UnavailableError(
        absl::StrFormat("%s: the cluster did not start; see %s", name,
                        cluster.master().log_path()));
  }

  client::StreamClientOptions stream;
  stream.master = cluster.address();
  stream.source = options.source;
  stream.max_frames = options.frames;
  stream.rate = options.rate;
  stream.overlay = "none";
  stream.progress = false;
  stream.output = options.log_dir + "/" + name + "-masks";
  fs::remove_all(stream.output);

  FaultReport report;
  report.scenario = scenario;
  report.frames = options.frames;
  absl::StatusOr<client::StreamSummary> first = absl::UnknownError("not run");
  std::thread streamer([&] { first = client::RunStream(stream); });
  SleepSeconds(options.fault_after_s);
  switch (scenario) {
    case FaultScenario::kNone:
      break;
    case FaultScenario::kWorkerKilled:
      cluster.worker(0).Kill(SIGKILL);
      break;
    case FaultScenario::kWorkerFrozen:
      cluster.worker(0).Kill(SIGSTOP);
      SleepSeconds(options.outage_s);
      cluster.worker(0).Kill(SIGCONT);
      break;
    case FaultScenario::kMasterRestart: {
      cluster.master().Kill(SIGKILL);
      cluster.master().Wait(5000);
      SleepSeconds(options.outage_s);
      const absl::Time restarted = absl::Now();
      if (!cluster.RestartMaster() ||
          !cluster.WaitForWorkers(options.workers, 60000)) {
        streamer.join();
        return absl::UnavailableError(absl::StrFormat(
            "%s: the new master or its workers did not come up; see %s", name,
            cluster.master().log_path()));
      }
      report.reregistration_ms =
          absl::ToDoubleMilliseconds(absl::Now() - restarted);
      break;
    }
    case FaultScenario::kNoWorkers:
      for (int i = 0; i < cluster.worker_count(); ++i) {
        cluster.worker(i).Kill(SIGKILL);
      }
      SleepSeconds(options.outage_s);
      for (int i = 0; i < options.workers; ++i) cluster.AddWorker();
      break;
  }
  streamer.join();

  client::StreamSummary answered;
  if (scenario == FaultScenario::kMasterRestart) {
    // The client is told its master is gone; it resumes after the last
    // mask it got, on the new master.
    if (first.ok()) {
      return absl::InternalError(
          "master-restart: the stream did not notice its master died");
    }
    report.client_error = first.status().ToString();
    const int before = MasksWritten(stream.output);
    stream.skip_frames = before;
    stream.max_frames = options.frames - before;
    stream.output += "-resumed";
    fs::remove_all(stream.output);
    absl::StatusOr<client::StreamSummary> resumed = client::RunStream(stream);
    if (!resumed.ok()) return resumed.status();
    answered = *std::move(resumed);
    answered.masks += before;
  } else {
    if (!first.ok()) return first.status();
    answered = *std::move(first);
  }
  report.masks = answered.masks;
  report.refused = answered.errors;
  report.dropped = answered.dropped;
  report.duplicates = answered.duplicates;
  report.longest_stall_ms = answered.longest_stall_ms;
  report.lost = report.frames - report.masks - report.refused - report.dropped;
  return report;
}

}  // namespace tessera::faults
