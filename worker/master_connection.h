// The worker's link to the master: connects out, says hello, runs each task
// it receives through a RegionProcessor (segmentation or flow path) and sends
// the result back, with heartbeats; reconnects with exponential backoff
// whenever the link drops. Each connection starts with an empty local key
// buffer: the master treats a reconnected worker as new.
//
//   MasterConnection connection(options, *segmenter, flow_path.get());
//   connection.Run();   // until Stop() from another thread
#ifndef TESSERA_WORKER_MASTER_CONNECTION_H_
#define TESSERA_WORKER_MASTER_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/image_codec.h"
#include "common/tls.h"
#include "tessera/v1/tessera.pb.h"
#include "worker/flow_path.h"
#include "worker/region_processor.h"
#include "worker/segmenter.h"
#include "worker/stage_pipeline.h"
#include "worker/worker_counters.h"

namespace tessera::worker {

struct ConnectionOptions {
  std::string master = "localhost:7600";
  std::string worker_id;
  int max_in_flight = 4;  // as --max_in_flight (worker/main.cc says why)
  // Tasks segmented together (worker/task_batcher.h): up to max_batch,
  // waiting at most max_batch_wait for more once one is there.
  int max_batch = 1;
  // Threads taking batches. A worker heading a pipeline segments a batch
  // while the previous ones are still in the later stages; otherwise the
  // threads take turns.
  int inference_threads = 1;
  absl::Duration max_batch_wait = absl::Microseconds(2000);
  double regions_per_second = 1;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(10);
  // Each Join call ends after this long and is made again, so that no RPC
  // runs without a deadline.
  absl::Duration session_limit = absl::Hours(24);
  DecodeLimits limits;
  size_t key_capacity = 64;  // local key buffer, regions
  std::string auth_token;    // sent when set (common/auth_token.h)
  TlsFiles tls;              // plain text unless it has a CA (common/tls.h)
  // Pipeline stages (issue 9): announced in the hello when set; the
  // master's plans go to stage_pipeline.
  std::optional<v1::StageServing> stage_serving;
  std::shared_ptr<StagePipeline> stage_pipeline;
};

class MasterConnection {
 public:
  // Without a flow path (nullptr) the worker segments every region.
  MasterConnection(ConnectionOptions options, Segmenter& segmenter,
                   FlowPath* flow_path = nullptr);
  ~MasterConnection();

  void Run();
  void Stop();
  // Since the worker started, over all its links to masters.
  WorkerCounters counters() const;

 private:
  class Session;
  // One connection's life: returns when it ends.
  void Serve(Session& session);
  // Runs tasks taken together through the processor and answers each.
  void RunBatch(Session& session, RegionProcessor& processor,
                const std::vector<std::shared_ptr<v1::RegionTask>>& batch);
  void SleepUnlessStopped(absl::Duration duration);
  // One region answered, and the keys the buffer dropped meanwhile.
  void Count(const absl::StatusOr<RegionResultOut>& out, uint64_t evictions);
  // Takes (or, with an empty plan, gives up) a place in a pipeline.
  void TakePlan(const v1::StagePlan& plan);

  const ConnectionOptions options_;
  Segmenter& segmenter_;
  FlowPath* flow_path_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  mutable absl::Mutex counters_mu_;
  WorkerCounters counters_ ABSL_GUARDED_BY(counters_mu_);
  std::shared_ptr<Session> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_MASTER_CONNECTION_H_
