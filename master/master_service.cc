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
#include "master/sessions.h"

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
        link_(std::make_shared<Link>(this)),
        session_(core, options.default_stream, options.default_mask_encoding,
                 link_, [this](v1::StreamResponse response) {
                   Enqueue(std::move(response));
                 }) {
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
    absl::StatusOr<bool> read_more = session_.Handle(request_);
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
        OutcomeToProto(outcome, session_.mask_encoding());
    if (response.ok()) return *std::move(response);
    v1::StreamResponse error;
    error.mutable_error()->set_index(outcome.index);
    error.mutable_error()->set_code(static_cast<int>(response.status().code()));
    error.mutable_error()->set_message(
        std::string(response.status().message()));
    return error;
  }

  std::optional<StreamId> stream_id() const { return session_.stream_id(); }

  MasterCore& core_;
  std::shared_ptr<Link> link_;
  ClientSession session_;
  v1::StreamRequest request_;
  absl::Mutex mu_;
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
        context_(context),
        peer_(context->peer()),
        link_(std::make_shared<Link>(this)),
        session_(core, options.heartbeat_interval_ms, options.result_limits,
                 link_, [this](v1::MasterMessage message) {
                   Enqueue(std::move(message));
                 }) {
    StartRead(&message_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Leave(absl::CancelledError("worker disconnected"), grpc::Status::OK);
      return;
    }
    absl::Status handled = session_.Handle(message_);
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
    void SendPlan(const StagePlanMessage& plan) override {
      attachment_.With([&](JoinReactor& r) { r.Enqueue(PlanToProto(plan)); });
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
    session_.Leave(reason);
    FinishAfterWrites(finish);
  }

  grpc::CallbackServerContext* const context_;
  const std::string peer_;
  std::shared_ptr<Link> link_;
  WorkerSession session_;
  v1::WorkerMessage message_;
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
