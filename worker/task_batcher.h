// The tasks waiting for a worker's inference thread, handed out in batches
// the way Triton's dynamic batcher does: as many as are waiting, up to
// `max_batch`, and once the first is there, up to `max_wait` more time for
// others to arrive (never waiting when the batch is already full, or when
// batches are of one). On a GPU one forward pass of eight regions costs
// little more than one of one; on a CPU max_batch 1 keeps latency lowest.
//
//   TaskBatcher<Task> queue(/*max_batch=*/8, absl::Microseconds(2000));
//   queue.Push(task);                          // reader thread
//   std::vector<Task> batch = queue.NextBatch();  // inference thread
#ifndef TESSERA_WORKER_TASK_BATCHER_H_
#define TESSERA_WORKER_TASK_BATCHER_H_

#include <algorithm>
#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tessera::worker {

template <typename Task>
class TaskBatcher {
 public:
  TaskBatcher(int max_batch, absl::Duration max_wait)
      : max_batch_(std::max(1, max_batch)), max_wait_(max_wait) {}

  void Push(Task task) {
    absl::MutexLock lock(&mu_);
    if (!closed_) queue_.push_back(std::move(task));
  }

  // Blocks until a task is waiting (or Close); empty only once closed.
  std::vector<Task> NextBatch() {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return closed_ || !queue_.empty();
    };
    mu_.Await(absl::Condition(&ready));
    if (closed_) return {};
    if (max_batch_ > 1 && static_cast<int>(queue_.size()) < max_batch_) {
      auto full = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return closed_ || static_cast<int>(queue_.size()) >= max_batch_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&full), max_wait_);
      if (closed_) return {};
    }
    const size_t take =
        std::min(queue_.size(), static_cast<size_t>(max_batch_));
    std::vector<Task> batch(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.begin() + take));
    queue_.erase(queue_.begin(), queue_.begin() + take);
    return batch;
  }

  // Drops the waiting tasks (their link is gone) and wakes NextBatch.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    queue_.clear();
  }

  size_t pending() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }

 private:
  const int max_batch_;
  const absl::Duration max_wait_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_TASK_BATCHER_H_
