#include "master/source_runner.h"

#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/frame_source.h"
#include "common/log.h"

namespace tessera::master {
namespace {

// The ClientLink of a source the master reads itself: outcomes are queued
// here and written by a separate thread, never under the core's lock.
class LocalClient : public ClientLink {
 public:
  void Deliver(FrameOutcome outcome) override {
    absl::MutexLock lock(&mu_);
    outbox_.push_back(std::move(outcome));
  }
  void ResumeReading() override {
    absl::MutexLock lock(&mu_);
    ++resumes_;
  }
  void Finish(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    final_status_ = status;
  }

  uint64_t resumes() {
    absl::MutexLock lock(&mu_);
    return resumes_;
  }
  // Blocks until ResumeReading is called after `seen` resumes.
  void WaitForResume(uint64_t seen) {
    absl::MutexLock lock(&mu_);
    auto resumed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return resumes_ > seen;
    };
    mu_.Await(absl::Condition(&resumed));
  }
  // The next outcome, or nullopt once the stream finished and all are out.
  std::optional<FrameOutcome> Next() {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !outbox_.empty() || finished_;
    };
    mu_.Await(absl::Condition(&ready));
    if (outbox_.empty()) return std::nullopt;
    FrameOutcome outcome = std::move(outbox_.front());
    outbox_.pop_front();
    return outcome;
  }

 private:
  absl::Mutex mu_;
  std::deque<FrameOutcome> outbox_ ABSL_GUARDED_BY(mu_);
  uint64_t resumes_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);
};

constexpr int kMaxErrorsInARow = 100;

}  // namespace

std::string SourceRunSummary::ToString() const {
  return absl::StrFormat(
      "%d frames read (%d unreadable), %d masks, %d dropped, %d errors in "
      "%.2f s: %.2f fps, mean latency %.1f ms",
      frames_read, frames_unreadable, masks, dropped, errors, seconds,
      seconds > 0 ? masks / seconds : 0.0, mean_latency_ms);
}

bool FrameSourcesAvailable() { return true; }

absl::StatusOr<SourceRunSummary> RunSource(MasterCore& core,
                                           const SourceRunOptions& options) {
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(options.source, options.max_frames);
  if (!source.ok()) return source.status();
  FrameSinkOptions sink_options = options.sink;
  if ((*source)->fps() > 0) sink_options.fps = (*source)->fps();
  absl::StatusOr<std::unique_ptr<FrameSink>> sink = OpenFrameSink(sink_options);
  if (!sink.ok()) return sink.status();

  auto client = std::make_shared<LocalClient>();
  StreamSettings settings = options.stream;
  settings.keep_frames = sink_options.overlay != "none";
  if (settings.name.empty()) settings.name = "source";
  absl::StatusOr<StreamHandle> stream = core.OpenStream(settings, client);
  if (!stream.ok()) return stream.status();
  TLOG(INFO) << "reading " << (*source)->description() << " as stream "
             << stream->name;

  SourceRunSummary summary;
  const absl::Time start = absl::Now();
  double latency_sum = 0;
  absl::Status write_status;
  std::thread writer([&] {
    while (std::optional<FrameOutcome> outcome = client->Next()) {
      switch (outcome->kind) {
        case FrameOutcome::Kind::kMask: {
          ++summary.masks;
          latency_sum += outcome->stats.latency_ms;
          const Image empty;
          absl::Status written = (*sink)->Write(
              outcome->index, outcome->frame ? *outcome->frame : empty,
              outcome->mask);
          if (!written.ok() && write_status.ok()) write_status = written;
          break;
        }
        case FrameOutcome::Kind::kDropped:
          ++summary.dropped;
          break;
        case FrameOutcome::Kind::kError:
          ++summary.errors;
          TLOG(WARNING) << "frame " << outcome->index << ": "
                        << outcome->error.ToString();
          break;
      }
    }
  });

  absl::Status submit_status;
  int errors_in_a_row = 0;
  for (uint64_t index = 0;; ++index) {
    absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
    if (!frame.ok()) {
      ++summary.frames_unreadable;
      TLOG(WARNING) << frame.status().ToString();
      // A broken camera fails every read: stop rather than spin.
      if (++errors_in_a_row >= kMaxErrorsInARow) {
        submit_status = absl::DataLossError(
            absl::StrFormat("%d unreadable frames in a row; last: %s",
                            errors_in_a_row, frame.status().message()));
        break;
      }
      continue;
    }
    errors_in_a_row = 0;
    if (!frame->has_value()) break;
    ++summary.frames_read;
    const uint64_t resumes = client->resumes();
    absl::StatusOr<bool> may_send_more =
        core.SubmitFrame(stream->id, index, std::move(**frame));
    if (!may_send_more.ok()) {
      submit_status = may_send_more.status();
      break;
    }
    if (!*may_send_more) client->WaitForResume(resumes);
  }
  if (submit_status.ok()) {
    core.CloseInput(stream->id);
  } else {
    core.CancelStream(stream->id);
    client->Finish(submit_status);
  }
  writer.join();
  summary.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  summary.mean_latency_ms = summary.masks ? latency_sum / summary.masks : 0;
  absl::Status closed = (*sink)->Close();
  if (!submit_status.ok()) return submit_status;
  if (!write_status.ok()) return write_status;
  if (!closed.ok()) return closed;
  return summary;
}

}  // namespace tessera::master
