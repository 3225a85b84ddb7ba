#include "worker/master_connection.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/auth_token.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/tls.h"
#include "common/transport_args.h"
#include "common/wire.h"
#include "tessera/v1/tessera.grpc.pb.h"
#include "worker/region_processor.h"
#include "worker/task_batcher.h"
#include "worker/task_message.h"

namespace tessera::worker {

// One Join call. Reads happen on the connection thread; writes come from the
// inference thread and the heartbeat thread, serialised by write_mu_.
class MasterConnection::Session {
 public:
  explicit Session(const ConnectionOptions& options) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoSeconds(options.session_limit));
  }

  grpc::ClientContext& context() { return context_; }
  void set_stream(
      std::unique_ptr<
          grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>>
          stream) {
    stream_ = std::move(stream);
  }
  bool Read(v1::MasterMessage* message) { return stream_->Read(message); }
  bool Write(const v1::WorkerMessage& message) {
    absl::MutexLock lock(&write_mu_);
    if (closed_) return false;
    return stream_->Write(message);
  }
  bool closed() {
    absl::MutexLock lock(&write_mu_);
    return closed_;
  }
  void StopWrites() {
    absl::MutexLock lock(&write_mu_);
    closed_ = true;
  }
  // Stops further writes, then collects the call's final status.
  grpc::Status Close() {
    StopWrites();
    return stream_->Finish();
  }
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<v1::WorkerMessage, v1::MasterMessage>>
      stream_;
  absl::Mutex write_mu_;
  bool closed_ ABSL_GUARDED_BY(write_mu_) = false;
};

namespace {

v1::WorkerMessage ResultMessage(const RegionResultOut& out) {
  v1::WorkerMessage message;
  v1::RegionResult* result = message.mutable_result();
  result->set_task_id(out.task);
  result->set_compute_ms(static_cast<float>(out.compute_ms));
  result->set_path(out.flow_path ? v1::PATH_FLOW : v1::PATH_SEGMENTATION);
  result->set_score(out.score);
  result->set_key_frame_index(out.key_frame_index);
  result->set_warped_from_frame_index(out.warped_from_frame_index);
  *result->mutable_timings() = ToProto(out.timings);
  v1::ImageData* labels = result->mutable_labels();
  labels->set_encoding(ToProto(out.label_encoding));
  labels->set_width(out.width);
  labels->set_height(out.height);
  labels->set_channels(1);
  labels->set_data(out.labels);
  if (!out.confidence.empty()) {
    v1::ImageData* confidence = result->mutable_confidence();
    *confidence = *labels;
    confidence->set_data(out.confidence);
  }
  return message;
}

v1::WorkerMessage FailureMessage(uint64_t task, const absl::Status& error) {
  v1::WorkerMessage message;
  message.mutable_failure()->set_task_id(task);
  message.mutable_failure()->set_code(static_cast<int>(error.code()));
  message.mutable_failure()->set_message(std::string(error.message()));
  return message;
}

}  // namespace

MasterConnection::MasterConnection(ConnectionOptions options,
                                   Segmenter& segmenter, FlowPath* flow_path)
    : options_(std::move(options)),
      segmenter_(segmenter),
      flow_path_(flow_path) {}

MasterConnection::~MasterConnection() { Stop(); }

void MasterConnection::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  if (current_) current_->Cancel();
}

WorkerCounters MasterConnection::counters() const {
  absl::MutexLock lock(&counters_mu_);
  return counters_;
}

void MasterConnection::Count(const absl::StatusOr<RegionResultOut>& out,
                             uint64_t evictions) {
  absl::MutexLock lock(&counters_mu_);
  counters_.key_evictions += evictions;
  if (!out.ok()) {
    ++counters_.regions_failed;
  } else if (out->flow_path) {
    ++counters_.regions_warped;
    counters_.regions_warped_carried +=
        out->warped_from_frame_index != out->key_frame_index;
    counters_.flow_seconds += out->compute_ms / 1000;
  } else {
    ++counters_.regions_segmented;
    counters_.segmentation_seconds += out->compute_ms / 1000;
  }
}

void MasterConnection::TakePlan(const v1::StagePlan& plan) {
  if (!options_.stage_pipeline) {
    if (!plan.plan_id().empty()) {
      TLOG(WARNING) << "master sent pipeline plan " << plan.plan_id()
                    << " to a worker that serves no stages; ignored";
    }
    return;
  }
  const std::string before = options_.stage_pipeline->plan_id();
  if (plan.plan_id() == before) return;
  if (absl::Status taken = options_.stage_pipeline->SetPlan(plan);
      !taken.ok()) {
    TLOG(ERROR) << "pipeline plan refused: " << taken.message();
  } else if (plan.plan_id().empty()) {
    TLOG(INFO) << "left pipeline " << before << "; running the whole model";
  } else {
    TLOG(INFO) << "pipeline " << plan.plan_id() << ": stage " << plan.stage()
               << " of " << plan.stages() << " (cuts before "
               << absl::StrJoin(plan.cuts(), ", ") << ")"
               << (plan.next_address().empty()
                       ? std::string()
                       : ", next stage at " + plan.next_address());
  }
}

void MasterConnection::SleepUnlessStopped(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), duration);
}

void MasterConnection::Run() {
  grpc::ChannelArguments args = PixelChannelArguments();
  const std::shared_ptr<grpc::ChannelCredentials> credentials =
      MasterChannelCredentials(options_.tls, args);
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    auto channel =
        grpc::CreateCustomChannel(options_.master, credentials, args);
    if (!channel->WaitForConnected(
            std::chrono::system_clock::now() +
            absl::ToChronoMilliseconds(options_.connect_timeout))) {
      TLOG(WARNING) << "cannot reach master " << options_.master << " (attempt "
                    << attempt << "); retrying in "
                    << absl::FormatDuration(backoff);
      SleepUnlessStopped(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    auto session = std::make_shared<Session>(options_);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      current_ = session;
    }
    auto stub = v1::Cluster::NewStub(channel);
    if (!options_.auth_token.empty()) {
      session->context().AddMetadata(kAuthMetadataKey,
                                     BearerValue(options_.auth_token));
    }
    session->set_stream(stub->Join(&session->context()));
    const auto started = absl::Now();
    Serve(*session);
    const grpc::Status status = session->Close();
    {
      absl::MutexLock lock(&mu_);
      current_.reset();
      if (stopping_) return;
    }
    TLOG(WARNING) << "link to master ended: "
                  << FromGrpcStatus(status).ToString();
    // A session that lasted a while earns a fresh, short backoff.
    if (absl::Now() - started > absl::Seconds(10)) {
      backoff = options_.initial_backoff;
      attempt = 0;
    }
    SleepUnlessStopped(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void MasterConnection::Serve(Session& session) {
  v1::WorkerMessage hello_message;
  v1::WorkerHello* hello = hello_message.mutable_hello();
  hello->set_worker_id(options_.worker_id);
  hello->set_device(segmenter_.device());
  hello->set_model_name(segmenter_.model_name());
  hello->set_num_classes(segmenter_.num_classes());
  hello->set_regions_per_second(
      static_cast<float>(options_.regions_per_second));
  hello->set_max_in_flight(options_.max_in_flight);
  hello->set_version("0.1.0");
  hello->set_flow_path(flow_path_ != nullptr);
  if (options_.stage_serving) {
    *hello->mutable_stage_serving() = *options_.stage_serving;
  }
  if (!session.Write(hello_message)) return;

  v1::MasterMessage message;
  if (!session.Read(&message)) return;
  if (!message.has_accepted()) {
    // The master must accept before anything else; a peer that does not is
    // no Tessera master we understand. End the call rather than wait on it.
    TLOG(ERROR) << "master " << options_.master
                << " did not accept the hello; reconnecting";
    session.Cancel();
    return;
  }
  TLOG(INFO) << "registered with master " << options_.master << " as "
             << message.accepted().worker_id();
  {
    absl::MutexLock lock(&counters_mu_);
    ++counters_.registrations;
    counters_.connected = true;
  }
  const int heartbeat_ms =
      std::max(100, message.accepted().heartbeat_interval_ms());

  // Inference runs on its own thread so that reading (and noticing a dead
  // link) never waits for the network.
  RegionProcessor processor(segmenter_, options_.limits, flow_path_,
                            options_.key_capacity);
  TaskBatcher<std::shared_ptr<v1::RegionTask>> queue(options_.max_batch,
                                                     options_.max_batch_wait);
  std::vector<std::thread> inference;
  for (int i = 0; i < std::max(1, options_.inference_threads); ++i) {
    inference.emplace_back([&] {
      while (true) {
        std::vector<std::shared_ptr<v1::RegionTask>> batch = queue.NextBatch();
        if (batch.empty()) return;
        RunBatch(session, processor, batch);
      }
    });
  }
  absl::Mutex heartbeat_mu;
  bool heartbeat_stop = false;
  std::thread heartbeat([&] {
    v1::WorkerMessage beat;
    beat.mutable_heartbeat();
    while (true) {
      {
        absl::MutexLock lock(&heartbeat_mu);
        if (heartbeat_mu.AwaitWithTimeout(absl::Condition(&heartbeat_stop),
                                          absl::Milliseconds(heartbeat_ms))) {
          return;
        }
      }
      beat.mutable_heartbeat()->set_in_flight(
          static_cast<int>(queue.pending()));
      if (!session.Write(beat)) return;
    }
  });

  while (session.Read(&message)) {
    if (message.has_plan()) TakePlan(message.plan());
    if (!message.has_task()) continue;
    queue.Push(
        std::make_shared<v1::RegionTask>(std::move(*message.mutable_task())));
  }
  // A plan belongs to its link: the master plans afresh when it is back.
  TakePlan(v1::StagePlan());
  {
    absl::MutexLock lock(&heartbeat_mu);
    heartbeat_stop = true;
  }
  heartbeat.join();
  {
    absl::MutexLock lock(&counters_mu_);
    counters_.connected = false;
  }
  // Tasks still queued belong to a dead link (the master requeues them):
  // drop them rather than compute results nobody reads.
  queue.Close();
  for (std::thread& thread : inference) thread.join();
  session.StopWrites();
}

void MasterConnection::RunBatch(
    Session& session, RegionProcessor& processor,
    const std::vector<std::shared_ptr<v1::RegionTask>>& batch) {
  if (session.closed()) return;  // the master has requeued them already
  std::vector<absl::StatusOr<RegionTaskIn>> ins;
  std::vector<const RegionTaskIn*> valid;
  ins.reserve(batch.size());
  for (const auto& task : batch) {
    ins.push_back(TaskFromProto(*task));
    if (ins.back().ok()) valid.push_back(&*ins.back());
  }
  const uint64_t evicted = processor.key_evictions();
  std::vector<absl::StatusOr<RegionResultOut>> outs =
      processor.ProcessBatch(valid);
  // Once, then every 1000: evictions cost segmentations.
  if (const uint64_t now = processor.key_evictions();
      now != evicted && (evicted == 0 || now / 1000 != evicted / 1000)) {
    TLOG(WARNING) << "local key buffer full (" << processor.key_capacity()
                  << " regions): " << now
                  << " keys evicted so far; their regions are segmented "
                     "when next asked; raise --key_capacity";
  }
  size_t next = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const absl::StatusOr<RegionResultOut> out =
        ins[i].ok() ? std::move(outs[next++])
                    : absl::StatusOr<RegionResultOut>(ins[i].status());
    Count(out, i == 0 ? processor.key_evictions() - evicted : 0);
    session.Write(out.ok() ? ResultMessage(*out)
                           : FailureMessage(batch[i]->task_id(), out.status()));
  }
}

}  // namespace tessera::worker
