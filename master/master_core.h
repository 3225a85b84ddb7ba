// The master's brain, free of any transport: streams of frames come in, are
// split into regions, scheduled over the registered workers, stitched back and
// delivered to each stream in frame order. Thread-safe; every public method
// may be called from any thread.
//
//   MasterCore core(options);
//   WorkerId w = core.AddWorker(hello, worker_link).value();
//   StreamHandle s = core.OpenStream(settings, client_link).value();
//   bool more = core.SubmitFrame(s.id, /*index=*/0, frame).value();
//   core.OnRegionResult(w, result);     // from the worker's connection
//   core.Tick(absl::Now());             // deadlines, silent workers
#ifndef TESSERA_MASTER_MASTER_CORE_H_
#define TESSERA_MASTER_MASTER_CORE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/image.h"
#include "common/image_codec.h"
#include "common/region_grid.h"
#include "common/split_stitch.h"
#include "master/dvs_policy.h"
#include "master/key_store.h"
#include "master/links.h"
#include "master/pipeline_planner.h"
#include "master/scheduler.h"

namespace tessera::master {

enum class OverflowPolicy { kBlock, kDropOldest };

struct StreamSettings {
  std::string name;
  GridSpec grid{2, 2, 64};
  StitchMode stitch = StitchMode::kCropHalo;
  OverflowPolicy overflow = OverflowPolicy::kBlock;
  int max_queued_frames = 8;  // accepted but not yet delivered
  Encoding region_encoding = Encoding::kRaw;
  bool keep_frames = false;  // hand the input frame back with its outcome
  DvsSettings dvs;
};

struct StreamHandle;

struct MasterOptions {
  SchedulerOptions scheduler;
  StreamSettings default_stream;
  int max_queued_frames_limit = 256;
  DecodeLimits frame_limits;  // largest frame a client may send
  // A worker that sends nothing (not even a heartbeat) for this long is
  // dropped and its regions requeued.
  absl::Duration worker_silence_timeout = absl::Seconds(10);
  // With no worker registered for this long, a blocking stream whose queue
  // is full is no longer held back: each further frame is refused at once
  // with UNAVAILABLE, so the client learns the cluster is down, while the
  // frames already queued stay queued until a worker joins.
  absl::Duration no_worker_grace = absl::Seconds(5);
  // The time source; tests script it. Unset: absl::Now.
  std::function<absl::Time()> clock;
  // Pipelines (issue 9): workers that serve stages of the same model are
  // joined this many to a pipeline, cut where their timings balance the
  // stages (0 or 1: never). Activations travel in fp16 unless
  // pipeline_fp16 is off.
  int pipeline_stages = 0;
  bool pipeline_fp16 = true;
  // Called with each mask about to be delivered, under the core's lock: it
  // must be quick (the live view keeps one now and then).
  std::function<void(const StreamHandle&, const FrameOutcome&)> on_mask;
};

struct WorkerHelloInfo {
  std::string name;
  std::string device;
  std::string model;
  int num_classes = 0;
  double regions_per_second = 1;
  int max_in_flight = 2;
  bool flow_path = false;  // can warp keys (has flow and a decision network)
  std::optional<StageServingInfo> stage_serving;  // can serve stages
};

struct StreamHandle {
  StreamId id = 0;
  std::string name;  // unique: "<settings.name>#<id>"
  StreamSettings settings;
};

// A worker's answer for one task, already decoded.
struct RegionResultIn {
  TaskId task = 0;
  LabelMap labels;
  Image confidence;  // empty unless asked for
  double compute_ms = 0;
  RegionPath path = RegionPath::kSegmentation;
  float score = -1;              // decision network score, -1: none
  uint64_t key_frame_index = 0;  // flow path: the key it warped
  // Flow path: the frame it warped from: the key's, or a frame after the key
  // and before this one that the worker had warped (a carried warp); 0 from
  // a worker too old to say.
  uint64_t warped_from_frame_index = 0;
  RegionTimings timings;
  // The labels and confidence as they travelled, kept as the region's new
  // key when it was segmented (forwarded later without re-encoding).
  EncodedImage labels_wire;
  EncodedImage confidence_wire;
};

// End-to-end latency of delivered masks (frame accepted -> mask out), as a
// cumulative Prometheus-style histogram.
struct LatencyHistogram {
  // Upper bounds in milliseconds; a last, implicit bucket is +Inf.
  static constexpr double kBoundsMs[] = {10,  25,   50,   100,  250,
                                         500, 1000, 2500, 5000, 10000};
  static constexpr int kBuckets = sizeof(kBoundsMs) / sizeof(kBoundsMs[0]);
  uint64_t counts[kBuckets + 1] = {};  // per bucket, not cumulative
  uint64_t count = 0;
  double sum_ms = 0;
  void Add(double ms);
};

struct MasterCounters {
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t frames_dropped = 0;
  uint64_t frames_failed = 0;
  uint64_t regions_done = 0;
  uint64_t regions_requeued = 0;
  uint64_t late_results = 0;
  uint64_t frames_refused = 0;  // past the queue bound with no worker
  LatencyHistogram latency;
  // Regions each worker answered, by the name it registered with; kept
  // after it leaves, so that the series only ever grow.
  std::map<std::string, uint64_t> regions_by_worker;
  uint64_t regions_segmented = 0;
  uint64_t regions_warped = 0;
  uint64_t key_transfers = 0;
  uint64_t key_bytes_sent = 0;
  size_t pipelines = 0;  // formed now
  uint64_t pipelines_formed = 0;
  uint64_t pipelines_dissolved = 0;
  size_t keys_held = 0;  // global key buffer: regions with a key
  size_t key_buffer_bytes = 0;
  size_t workers = 0;
  size_t streams = 0;
  size_t queued_regions = 0;
  size_t in_flight_regions = 0;
};

class MasterCore {
 public:
  explicit MasterCore(MasterOptions options);
  ~MasterCore();
  MasterCore(const MasterCore&) = delete;
  MasterCore& operator=(const MasterCore&) = delete;

  // ---- Workers ----
  absl::StatusOr<WorkerId> AddWorker(const WorkerHelloInfo& hello,
                                     std::shared_ptr<WorkerLink> link);
  // The worker's connection ended; its regions are requeued.
  void RemoveWorker(WorkerId worker, const absl::Status& reason);
  // Returns INVALID_ARGUMENT for a result that breaks the protocol (never
  // sent, wrong size); the caller should then close the worker's connection.
  absl::Status OnRegionResult(WorkerId worker, RegionResultIn result);
  absl::Status OnTaskFailure(WorkerId worker, TaskId task,
                             const absl::Status& error);
  void OnHeartbeat(WorkerId worker);

  // ---- Streams ----
  // Unset fields of `requested` (0, empty) take the master's defaults.
  // INVALID_ARGUMENT for an impossible grid or queue bound.
  absl::StatusOr<StreamHandle> OpenStream(const StreamSettings& requested,
                                          std::shared_ptr<ClientLink> link);
  // Accepts a decoded RGB frame. A frame the master cannot use (wrong channel
  // count, too large, too small for the grid) is still accepted and answered
  // in order with an error outcome. Returns whether the stream may send the
  // next frame now (false: wait for ClientLink::ResumeReading). Errors:
  // NOT_FOUND for an unknown stream, INVALID_ARGUMENT for an index that is
  // not after the previous one (a protocol violation).
  absl::StatusOr<bool> SubmitFrame(StreamId stream, uint64_t index,
                                   Image frame);
  // Same, from encoded bytes as they arrive on the wire.
  absl::StatusOr<bool> SubmitEncodedFrame(StreamId stream, uint64_t index,
                                          std::string_view bytes,
                                          Encoding encoding,
                                          const ImageExpectation& declared);
  // Accepts a frame that could not even be read (e.g. an unknown encoding):
  // it is answered with `error`, in order. Same return and errors as
  // SubmitFrame.
  absl::StatusOr<bool> RejectFrame(StreamId stream, uint64_t index,
                                   const absl::Status& error);
  // The client sent its last frame; the stream finishes once all are out.
  void CloseInput(StreamId stream);
  // The client went away: forget the stream and everything queued for it.
  void CancelStream(StreamId stream);

  // Deadlines and silent workers; call a few times a second.
  void Tick(absl::Time now);

  MasterCounters counters() const;

 private:
  struct EncodedRegion;
  struct PendingFrame;
  struct StreamState;
  struct WorkerEntry {
    WorkerHelloInfo hello;
    std::shared_ptr<WorkerLink> link;
  };
  struct PipelineEntry {
    std::vector<WorkerId> members;  // stage order; members[0] takes tasks
    PipelinePlan plan;
  };

  absl::StatusOr<bool> Accept(StreamId stream, uint64_t index,
                              std::shared_ptr<PendingFrame> frame);
  // SubmitFrame, for a frame whose decoding took `decode_ms`.
  absl::StatusOr<bool> SubmitDecodedFrame(StreamId stream, uint64_t index,
                                          Image frame, double decode_ms);
  std::shared_ptr<PendingFrame> Prepare(const StreamSettings& settings,
                                        uint64_t index, Image frame) const;
  void DropOldestLocked(StreamState& stream) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DispatchLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandleRevokedLocked(const std::vector<Revoked>& revoked,
                           const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailFrameLocked(StreamState& stream, PendingFrame& frame,
                       absl::Status error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeliverReadyLocked(StreamId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  PendingFrame* FindFrameLocked(const JobKey& job)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveWorkerLocked(WorkerId worker, const absl::Status& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The DVS part of a task: what the worker may do, and the key to carry.
  void AddDvsLocked(const Assignment& assignment, StreamState& stream,
                    PendingFrame& frame, TaskMessage& task)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A region's result came: keep a new key, move the dynamic threshold.
  void RecordDvsResultLocked(WorkerId worker, const JobKey& job,
                             StreamState& stream, PendingFrame& frame,
                             const RegionResultIn& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the stream's tasks to this worker may take the flow path (the
  // stream uses DVS and the worker has a flow path).
  bool FlowPathAllowedLocked(WorkerId worker, const StreamState& stream) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // INVALID_ARGUMENT when a result claims a warp its task did not allow, or
  // from a key outside 0..max_key_age frames before the frame.
  absl::Status CheckWarpLocked(WorkerId worker, const StreamState& stream,
                               const PendingFrame& frame,
                               const RegionResultIn& result) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Joins idle stage-serving workers of one model into pipelines of
  // options_.pipeline_stages and sends each member its plan.
  void FormPipelinesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A member left: the others are released back to whole-model work.
  void DissolvePipelineLocked(const std::string& id, const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // No worker has been registered for at least options_.no_worker_grace.
  bool ClusterDownLocked(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Time Now() const;

  const MasterOptions options_;
  mutable absl::Mutex mu_;
  Scheduler scheduler_ ABSL_GUARDED_BY(mu_);
  KeyStore keys_ ABSL_GUARDED_BY(mu_);
  std::map<WorkerId, WorkerEntry> workers_ ABSL_GUARDED_BY(mu_);
  std::map<StreamId, std::unique_ptr<StreamState>> streams_
      ABSL_GUARDED_BY(mu_);
  // When the last worker left (or the master started); InfiniteFuture while
  // any worker is registered.
  absl::Time no_workers_since_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PipelineEntry> pipelines_ ABSL_GUARDED_BY(mu_);
  std::map<WorkerId, std::string> pipeline_of_ ABSL_GUARDED_BY(mu_);
  int next_pipeline_ ABSL_GUARDED_BY(mu_) = 1;
  WorkerId next_worker_ ABSL_GUARDED_BY(mu_) = 1;
  StreamId next_stream_ ABSL_GUARDED_BY(mu_) = 1;
  MasterCounters counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_MASTER_CORE_H_
