// A fixed pool of threads running submitted closures in FIFO order. Used to
// move CPU work (encoding masks, inference) off gRPC reaction threads.
//
//   Executor executor(/*threads=*/2);
//   executor.Submit([] { EncodeAndSend(); });
//   // ~Executor runs what is queued, then joins.
#ifndef TESSERA_COMMON_EXECUTOR_H_
#define TESSERA_COMMON_EXECUTOR_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace tessera {

class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Submit(std::function<void()> work);
  // Closures submitted and not yet started.
  size_t pending() const;

 private:
  void Loop();

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace tessera

#endif  // TESSERA_COMMON_EXECUTOR_H_
