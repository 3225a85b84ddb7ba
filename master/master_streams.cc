// MasterCore's stream side: opening streams, taking frames in (splitting
// and encoding them outside the lock), overflow, closing and cancelling.
#include <utility>

#include "absl/strings/str_format.h"
#include "master/master_core.h"
#include "master/master_core_state.h"

namespace tessera::master {

namespace {

// Bounds on what a client may ask for: beyond them a grid only multiplies
// the work (and memory) of every frame.
constexpr int kMaxGridSide = 16;
constexpr int kMaxHalo = 1024;

}  // namespace

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
  if (absl::Status dvs = ValidateDvs(requested.dvs); !dvs.ok()) return dvs;
  absl::MutexLock lock(&mu_);
  auto state = std::make_unique<StreamState>();
  state->thresholds = RegionThresholds(requested.dvs);
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
  frame->arrival = Now();
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
  return SubmitDecodedFrame(stream, index, std::move(frame), /*decode_ms=*/0);
}

absl::StatusOr<bool> MasterCore::SubmitDecodedFrame(StreamId stream,
                                                    uint64_t index, Image frame,
                                                    double decode_ms) {
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
  const absl::Time start = absl::Now();
  try {
    prepared = Prepare(settings, index, std::move(frame));
    prepared->split_ms =
        decode_ms + absl::ToDoubleMilliseconds(absl::Now() - start);
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
  const absl::Time start = absl::Now();
  absl::StatusOr<Image> image =
      DecodeImage(bytes, encoding, expect, options_.frame_limits);
  if (image.ok()) {
    return SubmitDecodedFrame(stream, index, *std::move(image),
                              absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  return RejectFrame(stream, index, image.status());
}

absl::StatusOr<bool> MasterCore::RejectFrame(StreamId stream, uint64_t index,
                                             const absl::Status& error) {
  auto failed = std::make_shared<PendingFrame>();
  failed->index = index;
  failed->arrival = Now();
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
  const StreamSettings& settings = stream.handle.settings;
  if (settings.overflow == OverflowPolicy::kBlock &&
      stream.held() >= settings.max_queued_frames && ClusterDownLocked(Now())) {
    // Not accepted, so answered at once rather than in frame order.
    ++counters_.frames_refused;
    FrameOutcome refused;
    refused.kind = FrameOutcome::Kind::kError;
    refused.index = index;
    refused.error = absl::UnavailableError(absl::StrFormat(
        "frame %d refused: no worker registered for %s and the stream's "
        "%d queued frames fill its bound; they stay queued until a worker "
        "joins",
        index,
        absl::FormatDuration(
            absl::Trunc(Now() - no_workers_since_, absl::Milliseconds(100))),
        stream.held()));
    stream.link->Deliver(std::move(refused));
    return true;
  }
  ++counters_.frames_in;
  frame->seq = stream.next_seq++;
  if (frame->state == PendingFrame::State::kWorking) {
    for (int region = 0; region < static_cast<int>(frame->regions.size());
         ++region) {
      scheduler_.Enqueue({id, frame->seq, region});
    }
  }
  stream.frames.push_back(std::move(frame));
  bool may_send_more = true;
  if (settings.overflow == OverflowPolicy::kDropOldest) {
    DropOldestLocked(stream);
  } else if (stream.held() >= settings.max_queued_frames) {
    stream.paused = true;
    may_send_more = false;
  }
  DispatchLocked(Now());
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
  keys_.RemoveStream(id);
  streams_.erase(id);
  DispatchLocked(Now());
}

}  // namespace tessera::master
