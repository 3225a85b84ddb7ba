// Fault scenarios on a real local cluster (issue 7): a clip is streamed at a
// camera's rate through a master and N workers while one fault is injected,
// and what the client saw is counted: frames lost (sent, never answered),
// duplicates, frames explicitly refused or dropped, and the longest stall
// between two answers. tessera-faults runs them and RELIABILITY.md records
// them.
//
//   ASSIGN_OR_RETURN(FaultReport report,
//                    RunFaultScenario(FaultScenario::kWorkerKilled, options));
#ifndef TESSERA_TOOLS_FAULT_SCENARIOS_H_
#define TESSERA_TOOLS_FAULT_SCENARIOS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tessera::faults {

enum class FaultScenario {
  kNone,           // the control: no fault
  kWorkerKilled,   // SIGKILL one worker mid-stream
  kWorkerFrozen,   // SIGSTOP one worker past the master's task deadline
  kMasterRestart,  // SIGKILL the master, start a new one on its port; the
                   // client resumes after the last mask it got
  kNoWorkers,      // SIGKILL every worker; new ones join after the outage
};

// "none", "worker-killed", "worker-frozen", "master-restart", "no-workers".
const std::vector<FaultScenario>& AllScenarios();
std::string ScenarioName(FaultScenario scenario);
absl::StatusOr<FaultScenario> ParseScenario(const std::string& name);

struct FaultOptions {
  std::string model;  // empty: the null backend
  std::string source;
  int frames = 60;
  double rate = 10;  // frames per second, like a camera
  int workers = 3;
  double fault_after_s = 2;  // into the stream
  double outage_s = 3;       // frozen / masterless / workerless time
  // The master's deadlines: a region not answered in task_timeout_ms is
  // requeued; with no worker for no_worker_grace_ms, frames past the
  // queue bound are refused with UNAVAILABLE.
  int task_timeout_ms = 1500;
  int worker_silence_ms = 3000;
  int no_worker_grace_ms = 1000;
  std::string master_binary;
  std::string worker_binary;
  std::string log_dir;
};

struct FaultReport {
  FaultScenario scenario = FaultScenario::kNone;
  int frames = 0;      // the clip's frames, each sent at least once
  int masks = 0;       // answered with a mask
  int refused = 0;     // answered with an error (e.g. UNAVAILABLE)
  int dropped = 0;     // dropped by the real-time policy (reported)
  int lost = 0;        // never answered: frames - masks - refused - dropped
  int duplicates = 0;  // answered twice
  double longest_stall_ms = 0;
  // Master restart: from the new master's start to all workers registered
  // again. -1 elsewhere.
  double reregistration_ms = -1;
  std::string client_error;  // what the client was told, when it was
};

// INTERNAL / UNAVAILABLE when the cluster cannot be started, or a stream
// fails in a scenario where it must not.
absl::StatusOr<FaultReport> RunFaultScenario(FaultScenario scenario,
                                             const FaultOptions& options);

}  // namespace tessera::faults

#endif  // TESSERA_TOOLS_FAULT_SCENARIOS_H_
