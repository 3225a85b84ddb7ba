// Dynamic region scheduling (the ICCD 2019 workload manager, extended): a queue
// of region jobs per stream served round-robin, matched to registered workers
// with bounded work in flight, weighted by each worker's measured speed, with
// deadlines and requeueing when a worker is lost or overdue.
//
// Pure logic: no threads, no clock of its own, no I/O. MasterCore owns one and
// guards it with its mutex.
//
//   Scheduler scheduler(options);
//   scheduler.AddWorker(1, {.name = "w1", .regions_per_second = 20,
//                           .max_in_flight = 2});
//   scheduler.Enqueue({.stream = 1, .frame = 0, .region = 0});
//   for (const Assignment& a : scheduler.Dispatch(now)) Send(a);
//   ASSIGN_OR_RETURN(Completion done, scheduler.Complete(1, task, now, 12.5));
#ifndef TESSERA_MASTER_SCHEDULER_H_
#define TESSERA_MASTER_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tessera::master {

using WorkerId = uint64_t;
using StreamId = uint64_t;
using TaskId = uint64_t;

// One region of one frame of one stream.
struct JobKey {
  StreamId stream = 0;
  uint64_t frame = 0;  // the stream's frame sequence number
  int region = 0;
  friend bool operator==(const JobKey& a, const JobKey& b) {
    return a.stream == b.stream && a.frame == b.frame && a.region == b.region;
  }
  friend bool operator<(const JobKey& a, const JobKey& b) {
    if (a.stream != b.stream) return a.stream < b.stream;
    if (a.frame != b.frame) return a.frame < b.frame;
    return a.region < b.region;
  }
};

struct SchedulerOptions {
  // Upper bound on what a worker may ask for in its hello.
  int max_in_flight_per_worker = 4;
  // A task not answered within this time is taken back and requeued.
  absl::Duration task_timeout = absl::Seconds(10);
  // A job that failed or timed out this many times is given up.
  int max_attempts = 5;
  // Weight of the newest observation in each worker's time estimate.
  double speed_smoothing = 0.3;
  // Off: plain dispatch to the least-loaded free worker (for experiments).
  bool weigh_by_speed = true;
  // Key affinity (see SetAffinity): a free worker that holds the head job's
  // key takes it when its expected finish is at most (1 + slack) times the
  // best free worker's; a free worker without it first looks this many jobs
  // down its stream's queue for one whose key it holds.
  double affinity_slack = 1.0;
  int affinity_window = 8;
  // Off: MasterCore gives the scheduler no key holdings, so regions go
  // where the speed rule (or plain dispatch) sends them (for experiments).
  bool key_affinity = true;
};

struct WorkerProfile {
  std::string name;
  double regions_per_second = 1;  // the worker's own start-up measurement
  int max_in_flight = 2;
};

struct Assignment {
  TaskId task = 0;
  JobKey job;
  WorkerId worker = 0;
  int attempt = 1;
};

struct Completion {
  JobKey job;
  int attempt = 1;
  absl::Duration round_trip;
};

// A job that was taken back from a worker, and whether it went back into the
// queue (false: it ran out of attempts and the caller must fail its frame).
struct Revoked {
  JobKey job;
  WorkerId worker = 0;
  bool requeued = true;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options);

  // INVALID_ARGUMENT for a duplicate id, non-positive speed or in-flight bound.
  absl::Status AddWorker(WorkerId id, const WorkerProfile& profile,
                         absl::Time now);
  // Forgets the worker; each job it held goes back to the front of its queue.
  std::vector<Revoked> RemoveWorker(WorkerId id);
  // Any message from the worker: it is alive. (A worker held back after a
  // missed deadline takes new work only once it answers a task.)
  void MarkAlive(WorkerId id, absl::Time now);
  // A parked worker keeps its link and finishes what it holds but takes no
  // new job: it serves a pipeline stage to another worker (issue 9).
  // NOT_FOUND for an unknown worker.
  absl::Status SetParked(WorkerId id, bool parked);
  // The worker may hold `factor` times its in-flight bound: the head of a
  // pipeline of `factor` stages keeps every stage busy. NOT_FOUND for an
  // unknown worker, INVALID_ARGUMENT for a factor below 1.
  absl::Status SetInFlightFactor(WorkerId id, int factor);

  // Adds a job to the tail of its stream's queue.
  void Enqueue(const JobKey& job);
  // Puts back, at the head of its queue, a completed job whose result was
  // unusable; it keeps its attempt count (and is given up at max_attempts).
  Revoked Retry(const JobKey& job, int attempts);
  // Drops every queued and in-flight job of a frame (in-flight results will
  // then come back as revoked). Returns how many jobs were dropped.
  int RemoveFrame(StreamId stream, uint64_t frame);
  // Drops everything of a stream.
  void RemoveStream(StreamId stream);

  // Pairs queued jobs with workers until no job or no suitable worker is left.
  // Affinity only changes which free worker gets which job: a free worker
  // that the speed rule would use is never left idle while jobs wait.
  std::vector<Assignment> Dispatch(absl::Time now);

  // `holds_key(worker, job)`: the worker holds the job's newest key. Unset:
  // no affinity.
  using AffinityFn = std::function<bool(WorkerId, const JobKey&)>;
  void SetAffinity(AffinityFn holds_key) { holds_key_ = std::move(holds_key); }

  // A result arrived. Errors:
  //   NOT_FOUND            unknown worker
  //   INVALID_ARGUMENT     the task was never sent to this worker
  //   FAILED_PRECONDITION  the task was taken back (late result: discard it)
  absl::StatusOr<Completion> Complete(WorkerId worker, TaskId task,
                                      absl::Time now,
                                      std::optional<double> compute_ms);
  // The worker reported it could not run the task: it is requeued (or given
  // up after max_attempts). Same errors as Complete.
  absl::StatusOr<Revoked> Fail(WorkerId worker, TaskId task);

  // Takes back every task past its deadline; the worker is held back from new
  // work until it shows a sign of life.
  std::vector<Revoked> ExpireOverdue(absl::Time now);
  // Workers that have sent nothing for `silence`.
  std::vector<WorkerId> SilentWorkers(absl::Time now,
                                      absl::Duration silence) const;

  size_t queued_jobs() const;
  size_t in_flight_jobs() const { return tasks_.size(); }
  size_t worker_count() const { return workers_.size(); }
  int in_flight(WorkerId worker) const;
  // Current estimate of one region's service time on the worker.
  std::optional<double> estimated_ms(WorkerId worker) const;

 private:
  struct QueuedJob {
    JobKey key;
    int attempts = 0;  // dispatches so far
  };
  struct WorkerState {
    WorkerProfile profile;
    double estimated_ms = 0;
    std::set<TaskId> in_flight;
    std::set<TaskId> revoked;  // taken back; a late result is no violation
    bool held_back = false;
    bool parked = false;
    int base_max_in_flight = 0;  // as registered, before any factor
    absl::Time last_seen;
    // Taken-back tasks still occupy the worker until it answers them.
    int load() const {
      return static_cast<int>(in_flight.size() + revoked.size());
    }
  };
  struct TaskState {
    QueuedJob job;
    WorkerId worker = 0;
    absl::Time dispatched;
    absl::Time deadline;
  };

  std::optional<StreamId> NextStream() const;
  // The free worker expected to finish the next job first, if using it
  // beats waiting for a busy one; `queued` jobs are waiting in all.
  std::optional<WorkerId> PickWorker(size_t queued) const;
  double ExpectedFinish(const WorkerState& worker) const;
  bool IsFree(const WorkerState& worker) const;
  // Applies key affinity to the pick: returns the worker and the position in
  // `jobs` of the job it takes.
  std::pair<WorkerId, size_t> WithAffinity(WorkerId picked,
                                           const std::deque<QueuedJob>& jobs);
  absl::StatusOr<TaskState> TakeTask(WorkerId worker, TaskId task);
  Revoked Requeue(const QueuedJob& job, WorkerId worker);

  SchedulerOptions options_;
  std::map<WorkerId, WorkerState> workers_;
  std::map<TaskId, TaskState> tasks_;
  std::map<StreamId, std::deque<QueuedJob>> queues_;
  std::optional<StreamId> last_served_;
  TaskId next_task_ = 1;
  AffinityFn holds_key_;
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_SCHEDULER_H_
