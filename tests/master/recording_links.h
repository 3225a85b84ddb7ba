// Links that record what MasterCore tells a worker or a client, for the
// master's tests.
#ifndef TESSERA_TESTS_MASTER_RECORDING_LINKS_H_
#define TESSERA_TESTS_MASTER_RECORDING_LINKS_H_

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "master/links.h"

namespace tessera::master {

class RecordingWorker : public WorkerLink {
 public:
  void SendTask(const TaskMessage& task) override { tasks.push_back(task); }
  void SendPlan(const StagePlanMessage& plan) override {
    plans.push_back(plan);
  }
  void Close(const absl::Status& reason) override { closed = reason; }
  std::vector<TaskMessage> tasks;
  std::vector<StagePlanMessage> plans;
  absl::Status closed;
};

class RecordingClient : public ClientLink {
 public:
  void Deliver(FrameOutcome outcome) override {
    outcomes.push_back(std::move(outcome));
  }
  void ResumeReading() override { ++resumes; }
  void Finish(const absl::Status& status) override { finished = status; }
  std::vector<FrameOutcome> outcomes;
  int resumes = 0;
  std::optional<absl::Status> finished;
};

}  // namespace tessera::master

#endif  // TESSERA_TESTS_MASTER_RECORDING_LINKS_H_
