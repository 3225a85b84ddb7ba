#include "master/scheduler.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_format.h"

namespace tessera::master {
namespace {

// Revoked task ids remembered per worker, so that a late result is told apart
// from a protocol violation; older ones are forgotten to bound memory.
constexpr size_t kMaxRevokedRemembered = 4096;

}  // namespace

Scheduler::Scheduler(SchedulerOptions options) : options_(options) {}

absl::Status Scheduler::AddWorker(WorkerId id, const WorkerProfile& profile,
                                  absl::Time now) {
  if (workers_.count(id) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("worker %d is already registered", id));
  }
  if (!(profile.regions_per_second > 0) || profile.max_in_flight <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "worker %s advertises %.3f regions/s and %d in flight; both must be "
        "positive",
        profile.name, profile.regions_per_second, profile.max_in_flight));
  }
  WorkerState state;
  state.profile = profile;
  state.profile.max_in_flight =
      std::min(profile.max_in_flight, options_.max_in_flight_per_worker);
  state.base_max_in_flight = state.profile.max_in_flight;
  state.estimated_ms = 1000.0 / profile.regions_per_second;
  state.last_seen = now;
  workers_.emplace(id, std::move(state));
  return absl::OkStatus();
}

std::vector<Revoked> Scheduler::RemoveWorker(WorkerId id) {
  std::vector<Revoked> revoked;
  auto it = workers_.find(id);
  if (it == workers_.end()) return revoked;
  // Requeue in reverse dispatch order so that, pushed to the front, the
  // oldest job ends up first.
  const std::set<TaskId> in_flight = it->second.in_flight;
  for (auto task = in_flight.rbegin(); task != in_flight.rend(); ++task) {
    auto state = tasks_.find(*task);
    if (state == tasks_.end()) continue;
    QueuedJob job = state->second.job;
    tasks_.erase(state);
    revoked.push_back(Requeue(job, id));
  }
  workers_.erase(it);
  return revoked;
}

void Scheduler::MarkAlive(WorkerId id, absl::Time now) {
  auto it = workers_.find(id);
  if (it == workers_.end()) return;
  it->second.last_seen = now;
}

void Scheduler::Enqueue(const JobKey& job) {
  queues_[job.stream].push_back({job, 0});
}

Revoked Scheduler::Retry(const JobKey& job, int attempts) {
  return Requeue({job, attempts}, 0);
}

int Scheduler::RemoveFrame(StreamId stream, uint64_t frame) {
  int removed = 0;
  auto queue = queues_.find(stream);
  if (queue != queues_.end()) {
    auto& jobs = queue->second;
    const size_t before = jobs.size();
    jobs.erase(std::remove_if(jobs.begin(), jobs.end(),
                              [&](const QueuedJob& job) {
                                return job.key.frame == frame;
                              }),
               jobs.end());
    removed += static_cast<int>(before - jobs.size());
    if (jobs.empty()) queues_.erase(queue);
  }
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const JobKey& key = it->second.job.key;
    if (key.stream == stream && key.frame == frame) {
      WorkerState& worker = workers_.at(it->second.worker);
      worker.in_flight.erase(it->first);
      if (worker.revoked.size() < kMaxRevokedRemembered) {
        worker.revoked.insert(it->first);
      }
      it = tasks_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

void Scheduler::RemoveStream(StreamId stream) {
  std::set<uint64_t> frames;
  if (auto queue = queues_.find(stream); queue != queues_.end()) {
    for (const QueuedJob& job : queue->second) frames.insert(job.key.frame);
  }
  for (const auto& [task, state] : tasks_) {
    if (state.job.key.stream == stream) frames.insert(state.job.key.frame);
  }
  for (uint64_t frame : frames) RemoveFrame(stream, frame);
  queues_.erase(stream);
}

std::optional<StreamId> Scheduler::NextStream() const {
  if (queues_.empty()) return std::nullopt;
  // Round-robin: the first stream after the one served last, wrapping.
  if (last_served_) {
    auto next = queues_.upper_bound(*last_served_);
    if (next != queues_.end()) return next->first;
  }
  return queues_.begin()->first;
}

bool Scheduler::IsFree(const WorkerState& worker) const {
  return !worker.held_back && !worker.parked &&
         worker.load() < worker.profile.max_in_flight;
}

absl::Status Scheduler::SetParked(WorkerId id, bool parked) {
  auto it = workers_.find(id);
  if (it == workers_.end()) {
    return absl::NotFoundError(absl::StrFormat("no worker %d", id));
  }
  it->second.parked = parked;
  return absl::OkStatus();
}

absl::Status Scheduler::SetInFlightFactor(WorkerId id, int factor) {
  auto it = workers_.find(id);
  if (it == workers_.end()) {
    return absl::NotFoundError(absl::StrFormat("no worker %d", id));
  }
  if (factor < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("in-flight factor %d for worker %d", factor, id));
  }
  it->second.profile.max_in_flight = it->second.base_max_in_flight * factor;
  return absl::OkStatus();
}

double Scheduler::ExpectedFinish(const WorkerState& worker) const {
  const int load = worker.load();
  return options_.weigh_by_speed ? (load + 1) * worker.estimated_ms : load;
}

std::optional<WorkerId> Scheduler::PickWorker(size_t queued) const {
  std::optional<WorkerId> best;
  double best_finish = std::numeric_limits<double>::infinity();
  for (const auto& [id, worker] : workers_) {
    if (!IsFree(worker)) continue;
    const double finish = ExpectedFinish(worker);
    if (finish < best_finish) {
      best_finish = finish;
      best = id;
    }
  }
  if (!best || !options_.weigh_by_speed) return best;
  // A slow free worker is only worth it when the busy (faster) workers could
  // not get through the queue before it finishes: with a short queue it
  // would only delay its frame; with a long one it adds throughput.
  double busy_capacity = 0;
  for (const auto& [id, worker] : workers_) {
    const int load = worker.load();
    if (worker.held_back || worker.parked ||
        load < worker.profile.max_in_flight) {
      continue;
    }
    busy_capacity += std::max(0.0, best_finish / worker.estimated_ms - load);
  }
  if (static_cast<double>(queued) <= busy_capacity) return std::nullopt;
  return best;
}

std::vector<Assignment> Scheduler::Dispatch(absl::Time now) {
  std::vector<Assignment> assignments;
  while (true) {
    std::optional<StreamId> stream = NextStream();
    if (!stream) break;
    std::optional<WorkerId> picked = PickWorker(queued_jobs());
    if (!picked) break;
    auto queue = queues_.find(*stream);
    auto [worker_id, position] = WithAffinity(*picked, queue->second);
    QueuedJob job = queue->second[position];
    queue->second.erase(queue->second.begin() + position);
    if (queue->second.empty()) queues_.erase(queue);
    last_served_ = *stream;

    ++job.attempts;
    const TaskId task = next_task_++;
    WorkerState& worker = workers_.at(worker_id);
    worker.in_flight.insert(task);
    tasks_[task] = {job, worker_id, now, now + options_.task_timeout};
    assignments.push_back({task, job.key, worker_id, job.attempts});
  }
  return assignments;
}

std::pair<WorkerId, size_t> Scheduler::WithAffinity(
    WorkerId picked, const std::deque<QueuedJob>& jobs) {
  if (!holds_key_ || holds_key_(picked, jobs.front().key)) return {picked, 0};
  // Another free worker holds the head job's key: worth a slightly later
  // finish, since warping from its own key saves a key transfer (and, in
  // the flow path, most of the work).
  const double limit =
      ExpectedFinish(workers_.at(picked)) * (1 + options_.affinity_slack);
  for (const auto& [id, worker] : workers_) {
    if (id != picked && IsFree(worker) && ExpectedFinish(worker) <= limit &&
        holds_key_(id, jobs.front().key)) {
      return {id, 0};
    }
  }
  // Otherwise the picked worker takes the first job near the head whose key
  // it holds, or the head job itself.
  const size_t window = std::min(
      jobs.size(), static_cast<size_t>(std::max(1, options_.affinity_window)));
  for (size_t i = 1; i < window; ++i) {
    if (holds_key_(picked, jobs[i].key)) return {picked, i};
  }
  return {picked, 0};
}

absl::StatusOr<Scheduler::TaskState> Scheduler::TakeTask(WorkerId worker_id,
                                                         TaskId task) {
  auto worker = workers_.find(worker_id);
  if (worker == workers_.end()) {
    return absl::NotFoundError(
        absl::StrFormat("worker %d is not registered", worker_id));
  }
  if (worker->second.revoked.erase(task) != 0) {
    worker->second.held_back = false;  // late, but alive and answering
    return absl::FailedPreconditionError(absl::StrFormat(
        "task %d was taken back from worker %s before its result came", task,
        worker->second.profile.name));
  }
  if (worker->second.in_flight.erase(task) == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("task %d was never sent to worker %s", task,
                        worker->second.profile.name));
  }
  auto state = tasks_.find(task);
  TaskState taken = std::move(state->second);
  tasks_.erase(state);
  return taken;
}

absl::StatusOr<Completion> Scheduler::Complete(
    WorkerId worker_id, TaskId task, absl::Time now,
    std::optional<double> compute_ms) {
  absl::StatusOr<TaskState> taken = TakeTask(worker_id, task);
  if (!taken.ok()) return taken.status();
  WorkerState& worker = workers_.at(worker_id);
  worker.held_back = false;
  worker.last_seen = now;
  if (compute_ms && *compute_ms > 0) {
    worker.estimated_ms = (1 - options_.speed_smoothing) * worker.estimated_ms +
                          options_.speed_smoothing * *compute_ms;
  }
  return Completion{taken->job.key, taken->job.attempts,
                    now - taken->dispatched};
}

absl::StatusOr<Revoked> Scheduler::Fail(WorkerId worker_id, TaskId task) {
  absl::StatusOr<TaskState> taken = TakeTask(worker_id, task);
  if (!taken.ok()) return taken.status();
  workers_.at(worker_id).held_back = false;
  return Requeue(taken->job, worker_id);
}

Revoked Scheduler::Requeue(const QueuedJob& job, WorkerId worker) {
  if (job.attempts >= options_.max_attempts) {
    return {job.key, worker, false};
  }
  queues_[job.key.stream].push_front(job);
  return {job.key, worker, true};
}

std::vector<Revoked> Scheduler::ExpireOverdue(absl::Time now) {
  std::vector<std::pair<QueuedJob, WorkerId>> overdue;
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    WorkerState& worker = workers_.at(it->second.worker);
    worker.in_flight.erase(it->first);
    if (worker.revoked.size() < kMaxRevokedRemembered) {
      worker.revoked.insert(it->first);
    }
    worker.held_back = true;
    overdue.emplace_back(it->second.job, it->second.worker);
    it = tasks_.erase(it);
  }
  // Pushed to the front newest first, so that the oldest job leads again.
  std::vector<Revoked> revoked;
  for (auto it = overdue.rbegin(); it != overdue.rend(); ++it) {
    revoked.push_back(Requeue(it->first, it->second));
  }
  std::reverse(revoked.begin(), revoked.end());
  return revoked;
}

std::vector<WorkerId> Scheduler::SilentWorkers(absl::Time now,
                                               absl::Duration silence) const {
  std::vector<WorkerId> silent;
  for (const auto& [id, worker] : workers_) {
    if (now - worker.last_seen > silence) silent.push_back(id);
  }
  return silent;
}

size_t Scheduler::queued_jobs() const {
  size_t count = 0;
  for (const auto& [stream, jobs] : queues_) count += jobs.size();
  return count;
}

int Scheduler::in_flight(WorkerId worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? 0
                              : static_cast<int>(it->second.in_flight.size());
}

std::optional<double> Scheduler::estimated_ms(WorkerId worker) const {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return std::nullopt;
  return it->second.estimated_ms;
}

}  // namespace tessera::master
