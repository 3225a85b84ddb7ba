// What the master does with each message of one client stream or one worker
// link: the protocol rules of tessera.proto (config first and once, hello
// first and once, ...), translation, and the hand-over to the MasterCore.
// Free of gRPC, so that the reactors of master_service.cc stay thin and
// tests and fuzzers (tests/fuzz/) can drive every message directly.
//
//   ClientSession session(core, defaults, Encoding::kPng, link, send);
//   ASSIGN_OR_RETURN(bool read_more, session.Handle(request));
#ifndef TESSERA_MASTER_SESSIONS_H_
#define TESSERA_MASTER_SESSIONS_H_

#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/image_codec.h"
#include "master/links.h"
#include "master/master_core.h"
#include "tessera/v1/tessera.pb.h"

namespace tessera::master {

class ClientSession {
 public:
  // `send` queues a message for the client (the stream's acceptance); masks
  // reach it through `link`.
  ClientSession(MasterCore& core, StreamSettings defaults,
                Encoding default_mask_encoding,
                std::shared_ptr<ClientLink> link,
                std::function<void(v1::StreamResponse)> send);

  // Whether to read the next message now (false: the stream's queue is
  // full; ClientLink::ResumeReading says when). An error is a protocol
  // violation: the stream must end, once its accepted frames are answered.
  absl::StatusOr<bool> Handle(const v1::StreamRequest& request);

  std::optional<StreamId> stream_id() const;
  Encoding mask_encoding() const;

 private:
  absl::Status Open(const v1::StreamConfig& config);

  MasterCore& core_;
  const StreamSettings defaults_;
  std::shared_ptr<ClientLink> link_;
  std::function<void(v1::StreamResponse)> send_;
  mutable absl::Mutex mu_;
  std::optional<StreamId> stream_id_ ABSL_GUARDED_BY(mu_);
  Encoding mask_encoding_ ABSL_GUARDED_BY(mu_);
};

class WorkerSession {
 public:
  // `send` queues a message for the worker (its acceptance); tasks reach it
  // through `link`.
  WorkerSession(MasterCore& core, int heartbeat_interval_ms,
                DecodeLimits result_limits, std::shared_ptr<WorkerLink> link,
                std::function<void(v1::MasterMessage)> send);

  // An error is a protocol violation: the worker's link must end (Leave).
  absl::Status Handle(const v1::WorkerMessage& message);
  // Unregisters the worker, once (the core requeues its regions).
  void Leave(const absl::Status& reason);

  std::optional<WorkerId> worker_id() const;

 private:
  MasterCore& core_;
  const int heartbeat_interval_ms_;
  const DecodeLimits result_limits_;
  std::shared_ptr<WorkerLink> link_;
  std::function<void(v1::MasterMessage)> send_;
  mutable absl::Mutex mu_;
  std::optional<WorkerId> worker_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_SESSIONS_H_
