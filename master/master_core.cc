#include "master/master_core.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/log.h"
#include "master/master_core_state.h"

namespace tessera::master {
namespace {

// Whether a flow-path result warped the key itself rather than a frame
// carried on from it. 0 is also what a worker too old to say sends.
bool WarpedFromKey(const RegionResultIn& result) {
  return result.warped_from_frame_index == 0 ||
         result.warped_from_frame_index == result.key_frame_index;
}

}  // namespace

MasterCore::MasterCore(MasterOptions options)
    : options_(std::move(options)),
      scheduler_(options_.scheduler),
      no_workers_since_(Now()) {
  // Key affinity: a region goes preferably to the worker holding its newest
  // key (the scheduler still never leaves a free worker idle for it).
  if (options_.scheduler.key_affinity) {
    scheduler_.SetAffinity([this](WorkerId worker, const JobKey& job) {
      mu_.AssertHeld();
      return keys_.HoldsNewest(worker, {job.stream, job.region});
    });
  }
}

void LatencyHistogram::Add(double ms) {
  int bucket = 0;
  while (bucket < kBuckets && ms > kBoundsMs[bucket]) ++bucket;
  ++counts[bucket];
  ++count;
  sum_ms += ms;
}

absl::Time MasterCore::Now() const {
  return options_.clock ? options_.clock() : absl::Now();
}

MasterCore::~MasterCore() = default;

// ---------------------------------------------------------------------------
// Workers

absl::StatusOr<WorkerId> MasterCore::AddWorker(
    const WorkerHelloInfo& hello, std::shared_ptr<WorkerLink> link) {
  absl::MutexLock lock(&mu_);
  const WorkerId id = next_worker_++;
  WorkerProfile profile{hello.name, hello.regions_per_second,
                        hello.max_in_flight};
  absl::Status added = scheduler_.AddWorker(id, profile, Now());
  if (!added.ok()) return added;
  workers_[id] = {hello, std::move(link)};
  no_workers_since_ = absl::InfiniteFuture();
  TLOG(INFO) << "worker " << hello.name << " joined (" << hello.device << ", "
             << hello.model << ", " << hello.regions_per_second << " regions/s"
             << (hello.stage_serving
                     ? "; serves stages at " + hello.stage_serving->address
                     : std::string())
             << "); " << workers_.size() << " registered";
  FormPipelinesLocked();
  DispatchLocked(Now());
  return id;
}

void MasterCore::RemoveWorker(WorkerId worker, const absl::Status& reason) {
  absl::MutexLock lock(&mu_);
  RemoveWorkerLocked(worker, reason);
  DispatchLocked(Now());
}

void MasterCore::RemoveWorkerLocked(WorkerId worker,
                                    const absl::Status& reason) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  const std::string name = it->second.hello.name;
  workers_.erase(it);
  if (workers_.empty()) no_workers_since_ = Now();
  keys_.RemoveWorker(worker);  // its key table row; the keys themselves stay
  std::vector<Revoked> revoked = scheduler_.RemoveWorker(worker);
  TLOG(INFO) << "worker " << name << " left (" << reason.ToString() << "); "
             << revoked.size() << " regions requeued, " << workers_.size()
             << " registered";
  HandleRevokedLocked(revoked, "worker " + name + " left");
  if (auto member = pipeline_of_.find(worker); member != pipeline_of_.end()) {
    const std::string pipeline = member->second;
    pipeline_of_.erase(member);
    DissolvePipelineLocked(pipeline, "worker " + name + " left");
  }
}

absl::Status MasterCore::OnRegionResult(WorkerId worker,
                                        RegionResultIn result) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  absl::StatusOr<Completion> done =
      scheduler_.Complete(worker, result.task, now, result.compute_ms);
  if (done.status().code() == absl::StatusCode::kFailedPrecondition) {
    ++counters_.late_results;  // already requeued elsewhere: not an error
    return absl::OkStatus();
  }
  if (!done.ok()) return done.status();
  PendingFrame* frame = FindFrameLocked(done->job);
  if (frame == nullptr || frame->state != PendingFrame::State::kWorking) {
    DispatchLocked(now);
    return absl::OkStatus();
  }
  StreamState& stream = *streams_.at(done->job.stream);
  const Region& region = frame->regions[done->job.region];
  const bool needs_confidence =
      stream.handle.settings.stitch == StitchMode::kMaxConfidence;
  const Image& conf = result.confidence;
  if (result.labels.width != region.area.width ||
      result.labels.height != region.area.height ||
      result.labels.channels != 1 ||
      ((needs_confidence || !conf.empty()) &&
       (conf.width != region.area.width || conf.height != region.area.height ||
        conf.channels != 1))) {
    // The job itself is fine; give it to someone who answers properly.
    HandleRevokedLocked({scheduler_.Retry(done->job, done->attempt)},
                        "wrong-sized result");
    DispatchLocked(now);
    return absl::InvalidArgumentError(absl::StrFormat(
        "task %d: labels %dx%dx%d (confidence %dx%dx%d) for a %dx%d region",
        result.task, result.labels.width, result.labels.height,
        result.labels.channels, conf.width, conf.height, conf.channels,
        region.area.width, region.area.height));
  }
  if (absl::Status warp = CheckWarpLocked(worker, stream, *frame, result);
      !warp.ok()) {
    HandleRevokedLocked({scheduler_.Retry(done->job, done->attempt)},
                        "bad flow-path result");
    DispatchLocked(now);
    return absl::InvalidArgumentError(
        absl::StrFormat("task %d: %s", result.task, warp.message()));
  }
  RegionStat& stat = frame->stats[done->job.region];
  stat.worker = workers_.count(worker) ? workers_.at(worker).hello.name : "";
  stat.path = result.path;
  stat.compute_ms = result.compute_ms;
  stat.round_trip_ms = absl::ToDoubleMilliseconds(done->round_trip);
  stat.attempts = done->attempt;
  stat.timings = result.timings;
  RecordDvsResultLocked(worker, done->job, stream, *frame, result);
  frame->results[done->job.region] = {std::move(result.labels),
                                      std::move(result.confidence)};
  frame->payloads[done->job.region] = {};
  ++counters_.regions_done;
  ++counters_.regions_by_worker[stat.worker];
  if (--frame->remaining == 0) {
    const absl::Time stitch_start = absl::Now();
    absl::StatusOr<LabelMap> mask =
        StitchLabels(frame->size, frame->regions, frame->results,
                     stream.handle.settings.stitch);
    frame->stitch_ms = absl::ToDoubleMilliseconds(absl::Now() - stitch_start);
    frame->results.clear();
    if (mask.ok()) {
      frame->mask = *std::move(mask);
      frame->state = PendingFrame::State::kDone;
    } else {
      FailFrameLocked(stream, *frame, mask.status());
    }
    DeliverReadyLocked(done->job.stream);
  }
  DispatchLocked(now);
  return absl::OkStatus();
}

absl::Status MasterCore::OnTaskFailure(WorkerId worker, TaskId task,
                                       const absl::Status& error) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Revoked> revoked = scheduler_.Fail(worker, task);
  if (revoked.status().code() == absl::StatusCode::kFailedPrecondition) {
    return absl::OkStatus();
  }
  if (!revoked.ok()) return revoked.status();
  HandleRevokedLocked({*revoked}, "task failed: " + error.ToString());
  DispatchLocked(Now());
  return absl::OkStatus();
}

void MasterCore::OnHeartbeat(WorkerId worker) {
  absl::MutexLock lock(&mu_);
  scheduler_.MarkAlive(worker, Now());
  DispatchLocked(Now());
}

void MasterCore::HandleRevokedLocked(const std::vector<Revoked>& revoked,
                                     const std::string& why) {
  std::vector<StreamId> touched;
  for (const Revoked& r : revoked) {
    if (r.requeued) {
      ++counters_.regions_requeued;
      continue;
    }
    PendingFrame* frame = FindFrameLocked(r.job);
    if (frame == nullptr || frame->state != PendingFrame::State::kWorking) {
      continue;
    }
    FailFrameLocked(
        *streams_.at(r.job.stream), *frame,
        absl::UnavailableError(absl::StrFormat(
            "region %d of frame %d gave up after %d attempts; "
            "last: %s",
            r.job.region, frame->index, options_.scheduler.max_attempts, why)));
    touched.push_back(r.job.stream);
  }
  for (StreamId id : touched) {
    if (streams_.count(id)) DeliverReadyLocked(id);
  }
}

// ---------------------------------------------------------------------------
// Shared machinery

MasterCore::PendingFrame* MasterCore::FindFrameLocked(const JobKey& job) {
  auto it = streams_.find(job.stream);
  if (it == streams_.end() || it->second->frames.empty()) return nullptr;
  auto& frames = it->second->frames;
  const uint64_t first = frames.front()->seq;
  if (job.frame < first || job.frame - first >= frames.size()) return nullptr;
  return frames[job.frame - first].get();
}

void MasterCore::FailFrameLocked(StreamState& stream, PendingFrame& frame,
                                 absl::Status error) {
  scheduler_.RemoveFrame(stream.handle.id, frame.seq);
  frame.state = PendingFrame::State::kFailed;
  frame.error = std::move(error);
  frame.payloads.clear();
  frame.results.clear();
}

void MasterCore::DispatchLocked(absl::Time now) {
  for (const Assignment& a : scheduler_.Dispatch(now)) {
    PendingFrame* frame = FindFrameLocked(a.job);
    auto worker = workers_.find(a.worker);
    if (frame == nullptr || worker == workers_.end()) continue;
    StreamState& stream = *streams_.at(a.job.stream);
    if (a.attempt == 1) --frame->undispatched;
    TaskMessage task;
    task.task = a.task;
    task.stream_id = stream.handle.name;
    task.frame_index = frame->index;
    task.region_id = a.job.region;
    task.image = frame->payloads[a.job.region];
    task.want_confidence =
        stream.handle.settings.stitch == StitchMode::kMaxConfidence;
    if (stream.handle.settings.stitch == StitchMode::kCropHalo) {
      task.stitched = frame->regions[a.job.region].CoreInArea();
    }
    // Labels compress well but PNG costs time; follow the region choice:
    // raw on fast links, PNG where the client asked for compact transport.
    task.label_encoding =
        stream.handle.settings.region_encoding == Encoding::kRaw
            ? Encoding::kRaw
            : Encoding::kPng;
    AddDvsLocked(a, stream, *frame, task);
    worker->second.link->SendTask(task);
  }
}

void MasterCore::AddDvsLocked(const Assignment& assignment, StreamState& stream,
                              PendingFrame& frame, TaskMessage& task) {
  const DvsSettings& dvs = stream.handle.settings.dvs;
  // A worker without a flow path segments everything and gets no keys.
  if (!FlowPathAllowedLocked(assignment.worker, stream)) return;
  const int region = assignment.job.region;
  task.policy.allow_flow = true;
  task.policy.threshold = stream.thresholds.Get(region);
  task.policy.max_key_age = dvs.max_key_age;
  task.policy.keep_key = true;
  const KeySlot slot{assignment.job.stream, region};
  const std::shared_ptr<const StoredKey> newest = keys_.Newest(slot);
  const EncodedImage& payload = frame.payloads[region];
  if (newest == nullptr || newest->image.width != payload.width ||
      newest->image.height != payload.height) {
    return;  // no key yet, or one of another size (the stream changed size)
  }
  task.key =
      keys_.KeyToForward(assignment.worker, slot, frame.index, dvs.key_gap);
  if (task.key) {
    const size_t bytes = task.key->bytes();
    frame.stats[region].key_bytes_sent += static_cast<int64_t>(bytes);
    ++frame.key_transfers;
    ++counters_.key_transfers;
    counters_.key_bytes_sent += bytes;
  }
}

bool MasterCore::FlowPathAllowedLocked(WorkerId worker,
                                       const StreamState& stream) const {
  auto entry = workers_.find(worker);
  return stream.handle.settings.dvs.mode != DvsMode::kOff &&
         entry != workers_.end() && entry->second.hello.flow_path;
}

absl::Status MasterCore::CheckWarpLocked(WorkerId worker,
                                         const StreamState& stream,
                                         const PendingFrame& frame,
                                         const RegionResultIn& result) const {
  if (result.path != RegionPath::kFlow) return absl::OkStatus();
  if (!FlowPathAllowedLocked(worker, stream)) {
    return absl::InvalidArgumentError(
        "took the flow path, which its task did not allow");
  }
  const DvsSettings& dvs = stream.handle.settings.dvs;
  if (result.key_frame_index > frame.index ||
      frame.index - result.key_frame_index >
          static_cast<uint64_t>(dvs.max_key_age)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "frame %d warped from the key of frame %d (allowed: keys 0..%d "
        "frames older)",
        frame.index, result.key_frame_index, dvs.max_key_age));
  }
  // A carried warp starts after the key and before the frame itself.
  const uint64_t from = result.warped_from_frame_index;
  if (!WarpedFromKey(result) &&
      (from < result.key_frame_index || from >= frame.index)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "frame %d warped from frame %d, neither its key (frame %d) nor a "
        "frame between the two",
        frame.index, from, result.key_frame_index));
  }
  return absl::OkStatus();
}

void MasterCore::RecordDvsResultLocked(WorkerId worker, const JobKey& job,
                                       StreamState& stream, PendingFrame& frame,
                                       const RegionResultIn& result) {
  const bool warped = result.path == RegionPath::kFlow;
  RegionStat& stat = frame.stats[job.region];
  stat.score = result.score;
  if (warped) {
    ++counters_.regions_warped;
    // CheckWarpLocked bounded it by max_key_age.
    stat.key_age = static_cast<int>(frame.index - result.key_frame_index);
    stat.warp_span = static_cast<int>(
        frame.index - (WarpedFromKey(result) ? result.key_frame_index
                                             : result.warped_from_frame_index));
  } else {
    ++counters_.regions_segmented;
  }
  if (!FlowPathAllowedLocked(worker, stream)) return;
  // The dynamic threshold follows the decision network's decisions only: a
  // region segmented because it had no usable key (score -1) says nothing
  // about the threshold.
  if (warped || result.score >= 0) stream.thresholds.Update(job.region, warped);
  // A key needs the region's pixels and the confidence the decision
  // features read; a result without them is used for the mask only.
  if (warped || !frame.payloads[job.region].bytes ||
      !result.confidence_wire.bytes || result.confidence_wire.bytes->empty()) {
    return;
  }
  auto key = std::make_shared<StoredKey>();
  key->frame_index = frame.index;
  key->image = frame.payloads[job.region];
  key->labels = result.labels_wire;
  key->confidence = result.confidence_wire;
  keys_.OnSegmented(worker, {job.stream, job.region}, std::move(key));
}

void MasterCore::DeliverReadyLocked(StreamId id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  StreamState& stream = *it->second;
  const absl::Time now = Now();
  while (!stream.frames.empty() &&
         stream.frames.front()->state != PendingFrame::State::kWorking) {
    std::shared_ptr<PendingFrame> frame = std::move(stream.frames.front());
    stream.frames.pop_front();
    FrameOutcome outcome;
    outcome.index = frame->index;
    outcome.frame = std::move(frame->input);
    switch (frame->state) {
      case PendingFrame::State::kDone:
        outcome.kind = FrameOutcome::Kind::kMask;
        outcome.mask = std::move(frame->mask);
        outcome.stats.latency_ms =
            absl::ToDoubleMilliseconds(now - frame->arrival);
        counters_.latency.Add(outcome.stats.latency_ms);
        if (options_.on_mask) options_.on_mask(stream.handle, outcome);
        for (const RegionStat& region : frame->stats) {
          ++(region.path == RegionPath::kFlow
                 ? outcome.stats.warped_regions
                 : outcome.stats.segmented_regions);
          outcome.stats.key_bytes += region.key_bytes_sent;
        }
        outcome.stats.key_transfers = frame->key_transfers;
        outcome.stats.split_ms = frame->split_ms;
        outcome.stats.stitch_ms = frame->stitch_ms;
        outcome.stats.regions = std::move(frame->stats);
        ++counters_.frames_out;
        break;
      case PendingFrame::State::kDropped:
        outcome.kind = FrameOutcome::Kind::kDropped;
        outcome.drop_reason = frame->drop_reason;
        break;
      default:
        outcome.kind = FrameOutcome::Kind::kError;
        outcome.error = frame->error;
        ++counters_.frames_failed;
        break;
    }
    outcome.stats.queued_frames = stream.working();
    outcome.stats.dropped_frames_total = stream.dropped;
    stream.link->Deliver(std::move(outcome));
  }
  if (stream.paused &&
      stream.held() < stream.handle.settings.max_queued_frames) {
    stream.paused = false;
    stream.link->ResumeReading();
  }
  if (stream.input_closed && stream.frames.empty()) {
    stream.link->Finish(absl::OkStatus());
    keys_.RemoveStream(id);
    streams_.erase(it);
  }
}

void MasterCore::Tick(absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<Revoked> overdue = scheduler_.ExpireOverdue(now);
  if (!overdue.empty()) {
    TLOG(WARNING) << overdue.size() << " regions missed their deadline; "
                  << "requeued";
    HandleRevokedLocked(overdue, "deadline exceeded");
  }
  for (WorkerId silent :
       scheduler_.SilentWorkers(now, options_.worker_silence_timeout)) {
    const absl::Status reason = absl::DeadlineExceededError(
        absl::StrFormat("no message for %s",
                        absl::FormatDuration(options_.worker_silence_timeout)));
    if (auto it = workers_.find(silent); it != workers_.end()) {
      it->second.link->Close(reason);
    }
    RemoveWorkerLocked(silent, reason);
  }
  // A stream blocked on a full queue would wait for a worker forever; let
  // it send again, so that its next frame is refused with the reason.
  if (ClusterDownLocked(now)) {
    for (auto& [id, stream] : streams_) {
      if (!stream->paused) continue;
      stream->paused = false;
      stream->link->ResumeReading();
    }
  }
  DispatchLocked(now);
}

bool MasterCore::ClusterDownLocked(absl::Time now) const {
  return workers_.empty() &&
         now - no_workers_since_ >= options_.no_worker_grace;
}

MasterCounters MasterCore::counters() const {
  absl::MutexLock lock(&mu_);
  MasterCounters counters = counters_;
  counters.workers = workers_.size();
  counters.streams = streams_.size();
  counters.queued_regions = scheduler_.queued_jobs();
  counters.in_flight_regions = scheduler_.in_flight_jobs();
  counters.keys_held = keys_.key_count();
  counters.key_buffer_bytes = keys_.bytes();
  counters.pipelines = pipelines_.size();
  return counters;
}

}  // namespace tessera::master
