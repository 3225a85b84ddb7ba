#include "master/sessions.h"

#include <utility>

#include "common/log.h"
#include "common/wire.h"
#include "master/proto_convert.h"

namespace tessera::master {

ClientSession::ClientSession(MasterCore& core, StreamSettings defaults,
                             Encoding default_mask_encoding,
                             std::shared_ptr<ClientLink> link,
                             std::function<void(v1::StreamResponse)> send)
    : core_(core),
      defaults_(std::move(defaults)),
      link_(std::move(link)),
      send_(std::move(send)),
      mask_encoding_(default_mask_encoding) {}

std::optional<StreamId> ClientSession::stream_id() const {
  absl::MutexLock lock(&mu_);
  return stream_id_;
}

Encoding ClientSession::mask_encoding() const {
  absl::MutexLock lock(&mu_);
  return mask_encoding_;
}

absl::StatusOr<bool> ClientSession::Handle(const v1::StreamRequest& request) {
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
        "stream message has neither config nor frame");
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

absl::Status ClientSession::Open(const v1::StreamConfig& config) {
  absl::StatusOr<StreamSettings> settings =
      SettingsFromConfig(config, defaults_);
  if (!settings.ok()) return settings.status();
  std::optional<Encoding> mask;
  if (config.mask_encoding() != v1::ENCODING_UNSPECIFIED) {
    absl::StatusOr<Encoding> parsed = FromProto(config.mask_encoding());
    if (!parsed.ok()) return parsed.status();
    mask = *parsed;
  }
  absl::StatusOr<StreamHandle> handle = core_.OpenStream(*settings, link_);
  if (!handle.ok()) return handle.status();
  {
    absl::MutexLock lock(&mu_);
    stream_id_ = handle->id;
    if (mask) mask_encoding_ = *mask;
  }
  TLOG(INFO) << "stream " << handle->name << " opened ("
             << handle->settings.grid.ToString() << ")";
  v1::StreamResponse accepted;
  *accepted.mutable_accepted() = AcceptedMessage(*handle);
  send_(std::move(accepted));
  return absl::OkStatus();
}

WorkerSession::WorkerSession(MasterCore& core, int heartbeat_interval_ms,
                             DecodeLimits result_limits,
                             std::shared_ptr<WorkerLink> link,
                             std::function<void(v1::MasterMessage)> send)
    : core_(core),
      heartbeat_interval_ms_(heartbeat_interval_ms),
      result_limits_(result_limits),
      link_(std::move(link)),
      send_(std::move(send)) {}

std::optional<WorkerId> WorkerSession::worker_id() const {
  absl::MutexLock lock(&mu_);
  return worker_id_;
}

absl::Status WorkerSession::Handle(const v1::WorkerMessage& message) {
  const std::optional<WorkerId> id = worker_id();
  if (message.has_hello()) {
    if (id) return absl::FailedPreconditionError("hello sent twice");
    absl::StatusOr<WorkerHelloInfo> hello = HelloFromProto(message.hello());
    if (!hello.ok()) return hello.status();
    // The acceptance goes out first: the core may hand the new worker
    // tasks from inside AddWorker, and they must follow it on the wire.
    v1::MasterMessage accepted;
    accepted.mutable_accepted()->set_worker_id(hello->name);
    accepted.mutable_accepted()->set_heartbeat_interval_ms(
        heartbeat_interval_ms_);
    send_(std::move(accepted));
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
        ResultFromProto(message.result(), result_limits_);
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

void WorkerSession::Leave(const absl::Status& reason) {
  std::optional<WorkerId> id;
  {
    absl::MutexLock lock(&mu_);
    std::swap(id, worker_id_);
  }
  if (id) core_.RemoveWorker(*id, reason);
}

}  // namespace tessera::master
