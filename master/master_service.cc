#include "master/master_service.h"

#include <optional>
#include <string>
#include <variant>

#include "absl/strings/str_format.h"
#include "common/auth_token.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/wire.h"
#include "grpcpp/security/auth_context.h"
#include "master/proto_convert.h"
#include "master/queued_reactor.h"

namespace tessera::master {
namespace {

// A link object the core may keep after the reactor is gone: it forwards to
// the reactor while attached and drops everything afterwards.
template <typename Reactor>
class Attachment {
 public:
  explicit Attachment(Reactor* reactor) : reactor_(reactor) {}
  void Detach() {
    absl::MutexLock lock(&mu_);
    reactor_ = nullptr;
  }
  template <typename Fn>
  void With(Fn fn) {
    absl::MutexLock lock(&mu_);
    if (reactor_ != nullptr) fn(*reactor_);
  }

 private:
  absl::Mutex mu_;
  Reactor* reactor_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// Client streams

class StreamReactor
    : public QueuedReactor<v1::StreamRequest, v1::StreamResponse,
                           std::variant<v1::StreamResponse, FrameOutcome>> {
 public:
  StreamReactor(MasterCore& core, const ServiceOptions& options,
                Executor& encoders)
      : QueuedReactor(&encoders),
        core_(core),
        options_(options),
        mask_encoding_(options.default_mask_encoding),
        link_(std::make_shared<Link>(this)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client sent its last frame (or went away)
      std::optional<StreamId> id = stream_id();
      if (id) {
        core_.CloseInput(*id);
      } else {
        FinishAfterWrites(grpc::Status::OK);
      }
      return;
    }
    absl::StatusOr<bool> read_more = Handle(request_);
    if (!read_more.ok()) {
      // A protocol violation ends the stream, but only after every frame
      // already accepted has been answered: nothing accepted is lost.
      TLOG(WARNING) << "stream ends: " << read_more.status().ToString();
      std::optional<StreamId> id = stream_id();
      if (!id) {
        FinishAfterWrites(ToGrpcStatus(read_more.status()));
        return;
      }
      {
        absl::MutexLock lock(&mu_);
        protocol_error_ = read_more.status();
      }
      core_.CloseInput(*id);
      return;
    }
    if (*read_more) StartRead(&request_);
  }

  void OnCancel() override {
    if (std::optional<StreamId> id = stream_id()) core_.CancelStream(*id);
    FinishAfterWrites(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    link_->Detach();
    if (std::optional<StreamId> id = stream_id()) core_.CancelStream(*id);
    delete this;
  }

 private:
  class Link : public ClientLink {
   public:
    explicit Link(StreamReactor* reactor) : attachment_(reactor) {}
    void Deliver(FrameOutcome outcome) override {
      attachment_.With(
          [&](StreamReactor& r) { r.Enqueue(std::move(outcome)); });
    }
    void ResumeReading() override {
      attachment_.With([](StreamReactor& r) {
        if (!r.finishing()) r.StartRead(&r.request_);
      });
    }
    void Finish(const absl::Status& status) override {
      attachment_.With([&](StreamReactor& r) {
        absl::Status final_status = status;
        {
          absl::MutexLock lock(&r.mu_);
          if (final_status.ok()) final_status = r.protocol_error_;
        }
        r.FinishAfterWrites(ToGrpcStatus(final_status));
      });
    }
    void Detach() { attachment_.Detach(); }

   private:
    Attachment<StreamReactor> attachment_;
  };

  v1::StreamResponse Materialize(
      std::variant<v1::StreamResponse, FrameOutcome> item) override {
    if (auto* ready = std::get_if<v1::StreamResponse>(&item)) {
      return std::move(*ready);
    }
    const FrameOutcome& outcome = std::get<FrameOutcome>(item);
    absl::StatusOr<v1::StreamResponse> response =
        OutcomeToProto(outcome, mask_encoding_);
    if (response.ok()) return *std::move(response);
    v1::StreamResponse error;
    error.mutable_error()->set_index(outcome.index);
    error.mutable_error()->set_code(static_cast<int>(response.status().code()));
    error.mutable_error()->set_message(
        std::string(response.status().message()));
    return error;
  }

  std::optional<StreamId> stream_id() {
    absl::MutexLock lock(&mu_);
    return stream_id_;
  }

  // Returns whether to read the next message now.
  absl::StatusOr<bool> Handle(const v1::StreamRequest& request) {
    if (request.has_config()) {
      if (stream_id()) {
        return absl::FailedPreconditionError(
            "config must be the first message of a stream, and only once");
      }
      absl::Status opened = Open(request.config());
      if (!opened.ok()) return opened;
      return true;
    }
    if (!request.has_frame()) {
      return absl::InvalidArgumentError(
          "stream message has neither config "
          "nor frame");
    }
    if (!stream_id()) {
      absl::Status opened = Open(v1::StreamConfig());
      if (!opened.ok()) return opened;
    }
    const v1::Frame& frame = request.frame();
    absl::StatusOr<Encoding> encoding = FromProto(frame.image().encoding());
    if (!encoding.ok()) {
      return core_.RejectFrame(*stream_id(), frame.index(), encoding.status());
    }
    return core_.SubmitEncodedFrame(
        *stream_id(), frame.index(), frame.image().data(), *encoding,
        {frame.image().width(), frame.image().height(),
         frame.image().channels()});
  }

  absl::Status Open(const v1::StreamConfig& config) {
    absl::StatusOr<StreamSettings> settings =
        SettingsFromConfig(config, options_.default_stream);
    if (!settings.ok()) return settings.status();
    if (config.mask_encoding() != v1::ENCODING_UNSPECIFIED) {
      absl::StatusOr<Encoding> mask = FromProto(config.mask_encoding());
      if (!mask.ok()) return mask.status();
      mask_encoding_ = *mask;
    }
    absl::StatusOr<StreamHandle> handle = core_.OpenStream(*settings, link_);
    if (!handle.ok()) return handle.status();
    {
      absl::MutexLock lock(&mu_);
      stream_id_ = handle->id;
    }
    TLOG(INFO) << "stream " << handle->name << " opened ("
               << handle->settings.grid.ToString() << ")";
    v1::StreamResponse accepted;
    *accepted.mutable_accepted() = AcceptedMessage(*handle);
    Enqueue(std::move(accepted));
    return absl::OkStatus();
  }

  MasterCore& core_;
  const ServiceOptions& options_;
  Encoding mask_encoding_;  // set before the first frame, then read only
  std::shared_ptr<Link> link_;
  v1::StreamRequest request_;
  absl::Mutex mu_;
  std::optional<StreamId> stream_id_ ABSL_GUARDED_BY(mu_);
  absl::Status protocol_error_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// Workers

class JoinReactor : public QueuedReactor<v1::WorkerMessage, v1::MasterMessage,
                                         v1::MasterMessage> {
 public:
  JoinReactor(MasterCore& core, const ServiceOptions& options,
              grpc::CallbackServerContext* context)
      : QueuedReactor(nullptr),
        core_(core),
        options_(options),
        context_(context),
        peer_(context->peer()),
        link_(std::make_shared<Link>(this)) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Leave(absl::CancelledError("worker disconnected"), grpc::Status::OK);
      return;
    }
    absl::Status handled = Handle(message_);
    if (!handled.ok()) {
      TLOG(WARNING) << "worker at " << peer_ << ": " << handled.ToString();
      Leave(handled, ToGrpcStatus(handled));
      return;
    }
    StartRead(&message_);
  }

  void OnCancel() override {
    Leave(absl::CancelledError("worker connection cancelled"),
          grpc::Status::CANCELLED);
  }

  void OnDone() override {
    link_->Detach();
    Leave(absl::CancelledError("worker connection done"), grpc::Status::OK);
    delete this;
  }

 private:
  class Link : public WorkerLink {
   public:
    explicit Link(JoinReactor* reactor) : attachment_(reactor) {}
    void SendTask(const TaskMessage& task) override {
      attachment_.With([&](JoinReactor& r) { r.Enqueue(TaskToProto(task)); });
    }
    void Close(const absl::Status& reason) override {
      attachment_.With([&](JoinReactor& r) {
        // A silent peer may never drain queued writes: cancel the call so
        // that it ends now.
        r.context_->TryCancel();
        r.FinishAfterWrites(ToGrpcStatus(reason));
      });
    }
    void Detach() { attachment_.Detach(); }

   private:
    Attachment<JoinReactor> attachment_;
  };

  v1::MasterMessage Materialize(v1::MasterMessage message) override {
    return message;
  }

  // Unregisters the worker once (its regions are requeued by the core).
  void Leave(const absl::Status& reason, const grpc::Status& finish) {
    std::optional<WorkerId> id;
    {
      absl::MutexLock lock(&mu_);
      std::swap(id, worker_id_);
    }
    if (id) core_.RemoveWorker(*id, reason);
    FinishAfterWrites(finish);
  }

  absl::Status Handle(const v1::WorkerMessage& message) {
    std::optional<WorkerId> id;
    {
      absl::MutexLock lock(&mu_);
      id = worker_id_;
    }
    if (message.has_hello()) {
      if (id) return absl::FailedPreconditionError("hello sent twice");
      absl::StatusOr<WorkerHelloInfo> hello = HelloFromProto(message.hello());
      if (!hello.ok()) return hello.status();
      // The acceptance goes out first: the core may hand the new worker
      // tasks from inside AddWorker, and they must follow it on the wire.
      v1::MasterMessage accepted;
      accepted.mutable_accepted()->set_worker_id(hello->name);
      accepted.mutable_accepted()->set_heartbeat_interval_ms(
          options_.heartbeat_interval_ms);
      Enqueue(std::move(accepted));
      absl::StatusOr<WorkerId> added = core_.AddWorker(*hello, link_);
      if (!added.ok()) return added.status();
      absl::MutexLock lock(&mu_);
      worker_id_ = *added;
      return absl::OkStatus();
    }
    if (!id) {
      return absl::FailedPreconditionError(
          "the first message of a worker must be its hello");
    }
    if (message.has_result()) {
      absl::StatusOr<RegionResultIn> result =
          ResultFromProto(message.result(), options_.result_limits);
      if (!result.ok()) return result.status();
      return core_.OnRegionResult(*id, *std::move(result));
    }
    if (message.has_failure()) {
      const v1::TaskFailure& failure = message.failure();
      return core_.OnTaskFailure(
          *id, failure.task_id(),
          absl::Status(static_cast<absl::StatusCode>(failure.code()),
                       failure.message()));
    }
    if (message.has_heartbeat()) {
      core_.OnHeartbeat(*id);
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError("worker message has no content");
  }

  MasterCore& core_;
  const ServiceOptions& options_;
  grpc::CallbackServerContext* const context_;
  const std::string peer_;
  std::shared_ptr<Link> link_;
  v1::WorkerMessage message_;
  absl::Mutex mu_;
  std::optional<WorkerId> worker_id_ ABSL_GUARDED_BY(mu_);
};

// A call refused before anything is read, e.g. without the auth token.
template <typename Request, typename Response>
class RefusingReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit RefusingReactor(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// OK when auth is off or the call carries the token.
grpc::Status CheckAuth(const grpc::CallbackServerContext& context,
                       const ServiceOptions& options, const char* who) {
  if (options.auth_token.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthMetadataKey);
  if (it != metadata.end() &&
      BearerMatches(std::string_view(it->second.data(), it->second.size()),
                    options.auth_token)) {
    return grpc::Status::OK;
  }
  TLOG(WARNING) << "refused a " << who << " from " << context.peer()
                << ": missing or wrong auth token";
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      absl::StrFormat("this master requires its auth token "
                                      "(%s --auth_token_file)",
                                      who));
}

// OK unless workers need a certificate and this one's connection showed
// none. (One that does not verify never gets past the TLS handshake.)
grpc::Status CheckWorkerCertificate(const grpc::CallbackServerContext& context,
                                    const ServiceOptions& options) {
  if (!options.require_worker_certificate) return grpc::Status::OK;
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    return grpc::Status::OK;
  }
  TLOG(WARNING) << "refused a worker from " << context.peer()
                << ": no client certificate";
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "this master requires workers to show a certificate "
                      "signed by its CA (worker --tls_cert, --tls_key)");
}

}  // namespace

class MasterServices::SegmentationImpl
    : public v1::Segmentation::CallbackService {
 public:
  SegmentationImpl(MasterCore& core, const ServiceOptions& options,
                   Executor& encoders)
      : core_(core), options_(options), encoders_(encoders) {}
  grpc::ServerBidiReactor<v1::StreamRequest, v1::StreamResponse>* Stream(
      grpc::CallbackServerContext* context) override {
    if (grpc::Status auth = CheckAuth(*context, options_, "client");
        !auth.ok()) {
      return new RefusingReactor<v1::StreamRequest, v1::StreamResponse>(auth);
    }
    return new StreamReactor(core_, options_, encoders_);
  }

 private:
  MasterCore& core_;
  const ServiceOptions& options_;
  Executor& encoders_;
};

class MasterServices::ClusterImpl : public v1::Cluster::CallbackService {
 public:
  ClusterImpl(MasterCore& core, const ServiceOptions& options)
      : core_(core), options_(options) {}
  grpc::ServerBidiReactor<v1::WorkerMessage, v1::MasterMessage>* Join(
      grpc::CallbackServerContext* context) override {
    grpc::Status admitted = CheckWorkerCertificate(*context, options_);
    if (admitted.ok()) admitted = CheckAuth(*context, options_, "worker");
    if (!admitted.ok()) {
      return new RefusingReactor<v1::WorkerMessage, v1::MasterMessage>(
          admitted);
    }
    return new JoinReactor(core_, options_, context);
  }

 private:
  MasterCore& core_;
  const ServiceOptions& options_;
};

MasterServices::MasterServices(MasterCore& core, ServiceOptions options)
    : options_(std::move(options)),
      encoders_(options_.encoder_threads),
      segmentation_(
          std::make_unique<SegmentationImpl>(core, options_, encoders_)),
      cluster_(std::make_unique<ClusterImpl>(core, options_)) {}

MasterServices::~MasterServices() = default;

grpc::Service* MasterServices::segmentation() { return segmentation_.get(); }
grpc::Service* MasterServices::cluster() { return cluster_.get(); }

}  // namespace tessera::master
