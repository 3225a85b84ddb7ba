#include "master/master_core.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/log.h"

namespace tessera::master {

namespace {

// Bounds on what a client may ask for: beyond them a grid only multiplies
// the work (and memory) of every frame.
constexpr int kMaxGridSide = 16;
constexpr int kMaxHalo = 1024;

}  // namespace

struct MasterCore::PendingFrame {
  enum class State { kWorking, kDone, kDropped, kFailed };
  State state = State::kWorking;
  uint64_t seq = 0;  // position in the stream, assigned on acceptance
  uint64_t index = 0;
  absl::Time arrival;
  std::vector<Region> regions;
  std::vector<EncodedImage> payloads;  // one per region, freed when done
  std::vector<RegionLabels> results;
  std::vector<RegionStat> stats;
  int remaining = 0;     // regions without a result
  int undispatched = 0;  // regions never sent to any worker
  Size size;
  LabelMap mask;
  absl::Status error;
  std::string drop_reason;
  std::shared_ptr<const Image> input;
};

struct MasterCore::StreamState {
  StreamHandle handle;
  std::shared_ptr<ClientLink> link;
  std::deque<std::shared_ptr<PendingFrame>> frames;  // accepted, undelivered
  uint64_t next_seq = 0;
  std::optional<uint64_t> last_index;
  bool input_closed = false;
  bool paused = false;
  uint64_t dropped = 0;

  int working() const { return CountIf(PendingFrame::State::kWorking); }
  // Frames held against the stream's bound: accepted, not yet delivered, and
  // not mere placeholders of dropped frames.
  int held() const {
    return static_cast<int>(frames.size()) -
           CountIf(PendingFrame::State::kDropped);
  }
  int CountIf(PendingFrame::State state) const {
    return static_cast<int>(
        std::count_if(frames.begin(), frames.end(),
                      [state](const auto& f) { return f->state == state; }));
  }
};

MasterCore::MasterCore(MasterOptions options)
    : options_(std::move(options)), scheduler_(options_.scheduler) {}

MasterCore::~MasterCore() = default;

// ---------------------------------------------------------------------------
// Workers

absl::StatusOr<WorkerId> MasterCore::AddWorker(
    const WorkerHelloInfo& hello, std::shared_ptr<WorkerLink> link) {
  absl::MutexLock lock(&mu_);
  const WorkerId id = next_worker_++;
  WorkerProfile profile{hello.name, hello.regions_per_second,
                        hello.max_in_flight};
  absl::Status added = scheduler_.AddWorker(id, profile, absl::Now());
  if (!added.ok()) return added;
  workers_[id] = {hello, std::move(link)};
  TLOG(INFO) << "worker " << hello.name << " joined (" << hello.device << ", "
             << hello.model << ", " << hello.regions_per_second
             << " regions/s); " << workers_.size() << " registered";
  DispatchLocked(absl::Now());
  return id;
}

void MasterCore::RemoveWorker(WorkerId worker, const absl::Status& reason) {
  absl::MutexLock lock(&mu_);
  RemoveWorkerLocked(worker, reason);
  DispatchLocked(absl::Now());
}

void MasterCore::RemoveWorkerLocked(WorkerId worker,
                                    const absl::Status& reason) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  const std::string name = it->second.hello.name;
  workers_.erase(it);
  std::vector<Revoked> revoked = scheduler_.RemoveWorker(worker);
  TLOG(INFO) << "worker " << name << " left (" << reason.ToString() << "); "
             << revoked.size() << " regions requeued, " << workers_.size()
             << " registered";
  HandleRevokedLocked(revoked, "worker " + name + " left");
}

absl::Status MasterCore::OnRegionResult(WorkerId worker,
                                        RegionResultIn result) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
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
      (needs_confidence &&
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
  RegionStat& stat = frame->stats[done->job.region];
  stat.worker = workers_.count(worker) ? workers_.at(worker).hello.name : "";
  stat.path = result.path;
  stat.compute_ms = result.compute_ms;
  stat.round_trip_ms = absl::ToDoubleMilliseconds(done->round_trip);
  stat.attempts = done->attempt;
  frame->results[done->job.region] = {std::move(result.labels),
                                      std::move(result.confidence)};
  frame->payloads[done->job.region] = {};
  ++counters_.regions_done;
  if (--frame->remaining == 0) {
    absl::StatusOr<LabelMap> mask =
        StitchLabels(frame->size, frame->regions, frame->results,
                     stream.handle.settings.stitch);
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
  DispatchLocked(absl::Now());
  return absl::OkStatus();
}

void MasterCore::OnHeartbeat(WorkerId worker) {
  absl::MutexLock lock(&mu_);
  scheduler_.MarkAlive(worker, absl::Now());
  DispatchLocked(absl::Now());
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
// Streams

absl::StatusOr<StreamHandle> MasterCore::OpenStream(
    const StreamSettings& requested, std::shared_ptr<ClientLink> link) {
  const GridSpec& grid = requested.grid;
  if (grid.rows < 1 || grid.cols < 1 || grid.rows > kMaxGridSide ||
      grid.cols > kMaxGridSide || grid.halo < 0 || grid.halo > kMaxHalo) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "grid %s is not usable: rows and columns must be 1..%d and the "
        "halo 0..%d",
        grid.ToString(), kMaxGridSide, kMaxHalo));
  }
  if (requested.max_queued_frames < 1 ||
      requested.max_queued_frames > options_.max_queued_frames_limit) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max queued frames %d is outside 1..%d", requested.max_queued_frames,
        options_.max_queued_frames_limit));
  }
  absl::MutexLock lock(&mu_);
  auto state = std::make_unique<StreamState>();
  state->handle.id = next_stream_++;
  state->handle.name = absl::StrFormat(
      "%s#%d", requested.name.empty() ? "stream" : requested.name,
      state->handle.id);
  state->handle.settings = requested;
  state->link = std::move(link);
  StreamHandle handle = state->handle;
  streams_[handle.id] = std::move(state);
  return handle;
}

std::shared_ptr<MasterCore::PendingFrame> MasterCore::Prepare(
    const StreamSettings& settings, uint64_t index, Image image) const {
  auto frame = std::make_shared<PendingFrame>();
  frame->index = index;
  frame->arrival = absl::Now();
  frame->size = image.size();
  auto fail = [&](absl::Status error) {
    frame->state = PendingFrame::State::kFailed;
    frame->error = std::move(error);
    return frame;
  };
  if (image.channels != 3) {
    return fail(absl::InvalidArgumentError(absl::StrFormat(
        "frame %d has %d channels, expected 3 (RGB)", index, image.channels)));
  }
  if (image.width > options_.frame_limits.max_width ||
      image.height > options_.frame_limits.max_height) {
    return fail(absl::ResourceExhaustedError(absl::StrFormat(
        "frame %d is %dx%d, above the limit of %dx%d", index, image.width,
        image.height, options_.frame_limits.max_width,
        options_.frame_limits.max_height)));
  }
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid(image.size(), settings.grid);
  if (!regions.ok()) {
    return fail(absl::InvalidArgumentError(
        absl::StrFormat("frame %d: %s", index, regions.status().message())));
  }
  frame->regions = *std::move(regions);
  for (const Region& region : frame->regions) {
    Image crop = CropImage(image, region.area);
    absl::StatusOr<std::string> bytes =
        EncodeImage(crop, settings.region_encoding);
    if (!bytes.ok()) return fail(bytes.status());
    frame->payloads.push_back(
        {std::make_shared<const std::string>(*std::move(bytes)),
         settings.region_encoding, crop.width, crop.height, 3});
  }
  const int count = static_cast<int>(frame->regions.size());
  frame->results.resize(count);
  frame->stats.resize(count);
  for (int i = 0; i < count; ++i) frame->stats[i].region_id = i;
  frame->remaining = frame->undispatched = count;
  if (settings.keep_frames) {
    frame->input = std::make_shared<const Image>(std::move(image));
  }
  return frame;
}

absl::StatusOr<bool> MasterCore::SubmitFrame(StreamId stream, uint64_t index,
                                             Image frame) {
  StreamSettings settings;
  {
    absl::MutexLock lock(&mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) {
      return absl::NotFoundError(absl::StrFormat("no stream %d", stream));
    }
    settings = it->second->handle.settings;
  }
  // Splitting and encoding happen outside the lock: they are the expensive
  // part and touch nothing shared.
  std::shared_ptr<PendingFrame> prepared;
  try {
    prepared = Prepare(settings, index, std::move(frame));
  } catch (const std::exception& e) {  // e.g. bad_alloc for a huge frame
    return RejectFrame(stream, index,
                       absl::ResourceExhaustedError(absl::StrFormat(
                           "cannot split the frame: %s", e.what())));
  }
  return Accept(stream, index, std::move(prepared));
}

absl::StatusOr<bool> MasterCore::SubmitEncodedFrame(
    StreamId stream, uint64_t index, std::string_view bytes, Encoding encoding,
    const ImageExpectation& declared) {
  ImageExpectation expect = declared;
  if (expect.channels == 0) expect.channels = 3;
  absl::StatusOr<Image> image =
      DecodeImage(bytes, encoding, expect, options_.frame_limits);
  if (image.ok()) return SubmitFrame(stream, index, *std::move(image));
  return RejectFrame(stream, index, image.status());
}

absl::StatusOr<bool> MasterCore::RejectFrame(StreamId stream, uint64_t index,
                                             const absl::Status& error) {
  auto failed = std::make_shared<PendingFrame>();
  failed->index = index;
  failed->arrival = absl::Now();
  failed->state = PendingFrame::State::kFailed;
  failed->error = absl::Status(
      error.code(), absl::StrFormat("frame %d: %s", index, error.message()));
  return Accept(stream, index, std::move(failed));
}

absl::StatusOr<bool> MasterCore::Accept(StreamId id, uint64_t index,
                                        std::shared_ptr<PendingFrame> frame) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    return absl::NotFoundError(absl::StrFormat("no stream %d", id));
  }
  StreamState& stream = *it->second;
  if (stream.input_closed) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "stream %s already sent its last frame", stream.handle.name));
  }
  if (stream.last_index && index <= *stream.last_index) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frame index %d is not after the previous index %d",
                        index, *stream.last_index));
  }
  stream.last_index = index;
  ++counters_.frames_in;
  frame->seq = stream.next_seq++;
  if (frame->state == PendingFrame::State::kWorking) {
    for (int region = 0; region < static_cast<int>(frame->regions.size());
         ++region) {
      scheduler_.Enqueue({id, frame->seq, region});
    }
  }
  stream.frames.push_back(std::move(frame));
  const StreamSettings& settings = stream.handle.settings;
  bool may_send_more = true;
  if (settings.overflow == OverflowPolicy::kDropOldest) {
    DropOldestLocked(stream);
  } else if (stream.held() >= settings.max_queued_frames) {
    stream.paused = true;
    may_send_more = false;
  }
  DispatchLocked(absl::Now());
  DeliverReadyLocked(id);
  return may_send_more;
}

void MasterCore::DropOldestLocked(StreamState& stream) {
  const int bound = stream.handle.settings.max_queued_frames;
  for (auto& frame : stream.frames) {
    if (stream.held() <= bound) break;
    // Only frames still waiting for a worker are dropped: work already
    // running is cheaper to finish than to throw away.
    if (frame->state != PendingFrame::State::kWorking ||
        frame->undispatched == 0) {
      continue;
    }
    scheduler_.RemoveFrame(stream.handle.id, frame->seq);
    frame->state = PendingFrame::State::kDropped;
    frame->drop_reason = absl::StrFormat(
        "queue full (%d frames): dropped the oldest waiting frame", bound);
    frame->payloads.clear();
    frame->results.clear();
    frame->input.reset();
    ++stream.dropped;
    ++counters_.frames_dropped;
  }
}

void MasterCore::CloseInput(StreamId id) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  it->second->input_closed = true;
  DeliverReadyLocked(id);
}

void MasterCore::CancelStream(StreamId id) {
  absl::MutexLock lock(&mu_);
  scheduler_.RemoveStream(id);
  streams_.erase(id);
  DispatchLocked(absl::Now());
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
    const StreamState& stream = *streams_.at(a.job.stream);
    if (a.attempt == 1) --frame->undispatched;
    TaskMessage task;
    task.task = a.task;
    task.stream_id = stream.handle.name;
    task.frame_index = frame->index;
    task.region_id = a.job.region;
    task.image = frame->payloads[a.job.region];
    task.want_confidence =
        stream.handle.settings.stitch == StitchMode::kMaxConfidence;
    // Labels compress well but PNG costs time; follow the region choice:
    // raw on fast links, PNG where the client asked for compact transport.
    task.label_encoding =
        stream.handle.settings.region_encoding == Encoding::kRaw
            ? Encoding::kRaw
            : Encoding::kPng;
    worker->second.link->SendTask(task);
  }
}

void MasterCore::DeliverReadyLocked(StreamId id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  StreamState& stream = *it->second;
  const absl::Time now = absl::Now();
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
  DispatchLocked(now);
}

MasterCounters MasterCore::counters() const {
  absl::MutexLock lock(&mu_);
  MasterCounters counters = counters_;
  counters.workers = workers_.size();
  counters.streams = streams_.size();
  counters.queued_regions = scheduler_.queued_jobs();
  counters.in_flight_regions = scheduler_.in_flight_jobs();
  return counters;
}

}  // namespace tessera::master
