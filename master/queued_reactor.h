// A server bidi reactor base that owns the write side: items are queued from
// any thread, turned into messages by Materialize() without any lock held,
// written one at a time, and Finish() comes only after the queue drains.
//
//   class MyReactor : public QueuedReactor<Req, Resp, Item> {
//     Resp Materialize(Item item) override { ... }
//   };
//   Enqueue(item);                        // from any thread
//   FinishAfterWrites(grpc::Status::OK);  // once; later Enqueues are dropped
#ifndef TESSERA_MASTER_QUEUED_REACTOR_H_
#define TESSERA_MASTER_QUEUED_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "common/executor.h"

namespace tessera::master {

template <typename Request, typename Response, typename Item>
class QueuedReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  // With an executor, the first write after an idle spell is started there,
  // so that Enqueue() never materializes on the caller's thread (callers may
  // hold the core's lock). Without one, Materialize must be cheap.
  explicit QueuedReactor(Executor* executor) : executor_(executor) {}

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The peer is gone: nothing more can be written.
      bool finish = false;
      {
        absl::MutexLock lock(&write_mu_);
        writing_ = false;
        broken_ = true;
        outbox_.clear();
        if (!finish_status_) finish_status_ = grpc::Status::CANCELLED;
        finish = ClaimFinishLocked();
      }
      if (finish) this->Finish(*finish_status_);
      return;
    }
    // Materialize may be expensive (mask encoding): keep it off the
    // reaction thread when there is an executor.
    if (executor_ != nullptr) {
      executor_->Submit([this] { WriteNext(); });
    } else {
      WriteNext();
    }
  }

 protected:
  virtual Response Materialize(Item item) = 0;

  void Enqueue(Item item) {
    {
      absl::MutexLock lock(&write_mu_);
      if (finish_status_ || broken_) return;
      outbox_.push_back(std::move(item));
      if (writing_) return;
      writing_ = true;  // this call now owns the write token
    }
    if (executor_ != nullptr) {
      executor_->Submit([this] { WriteNext(); });
    } else {
      WriteNext();
    }
  }

  // True once FinishAfterWrites was called or the peer went away: no more
  // reads should be started.
  bool finishing() {
    absl::MutexLock lock(&write_mu_);
    return finish_status_.has_value() || broken_;
  }

  void FinishAfterWrites(const grpc::Status& status) {
    bool finish = false;
    {
      absl::MutexLock lock(&write_mu_);
      if (finish_status_) return;
      finish_status_ = status;
      finish = ClaimFinishLocked();
    }
    if (finish) this->Finish(status);
  }

 private:
  // Called by the owner of the write token.
  void WriteNext() {
    std::optional<Item> item;
    bool finish = false;
    {
      absl::MutexLock lock(&write_mu_);
      if (outbox_.empty() || broken_) {
        writing_ = false;
        finish = ClaimFinishLocked();
      } else {
        item = std::move(outbox_.front());
        outbox_.pop_front();
      }
    }
    if (finish) this->Finish(*finish_status_);
    if (!item) return;
    current_ = Materialize(std::move(*item));
    this->StartWrite(&current_);
  }

  bool ClaimFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_) {
    if (!finish_status_ || writing_ || finished_) return false;
    finished_ = true;
    return true;
  }

  Executor* executor_;
  absl::Mutex write_mu_;
  std::deque<Item> outbox_ ABSL_GUARDED_BY(write_mu_);
  bool writing_ ABSL_GUARDED_BY(write_mu_) = false;
  bool broken_ ABSL_GUARDED_BY(write_mu_) = false;
  bool finished_ ABSL_GUARDED_BY(write_mu_) = false;
  std::optional<grpc::Status> finish_status_ ABSL_GUARDED_BY(write_mu_);
  Response current_;  // owned by the write token's holder
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_QUEUED_REACTOR_H_
