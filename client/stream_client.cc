#include "client/stream_client.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/ground_truth.h"
#include "common/auth_token.h"
#include "common/frame_sink.h"
#include "common/frame_source.h"
#include "common/grpc_status.h"
#include "common/json_string.h"
#include "common/log.h"
#include "common/palette.h"
#include "common/tls.h"
#include "common/transport_args.h"
#include "common/wire.h"
#include "tessera/v1/tessera.grpc.pb.h"

namespace tessera::client {
namespace {

namespace fs = std::filesystem;

// Frames sent but not yet answered, kept for their overlays; bounded so that
// a stalled master cannot make the client hoard memory.
class InFlightFrames {
 public:
  explicit InFlightFrames(size_t limit) : limit_(limit) {}
  // Blocks while the bound is reached; false once closed.
  bool Put(uint64_t index, std::shared_ptr<const Image> frame) {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || frames_.size() < limit_;
    };
    mu_.Await(absl::Condition(&room));
    if (closed_) return false;
    frames_[index] = std::move(frame);
    return true;
  }
  std::shared_ptr<const Image> Take(uint64_t index) {
    absl::MutexLock lock(&mu_);
    auto it = frames_.find(index);
    if (it == frames_.end()) return nullptr;
    std::shared_ptr<const Image> frame = std::move(it->second);
    frames_.erase(it);
    return frame;
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

 private:
  const size_t limit_;
  absl::Mutex mu_;
  std::map<uint64_t, std::shared_ptr<const Image>> frames_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

std::string StreamSummary::ToString() const {
  std::string text = absl::StrFormat(
      "%d frames sent, %d masks, %d dropped, %d errors in %.2f s: %.2f fps; "
      "latency p50 %.1f ms, p95 %.1f ms, max %.1f ms",
      frames_sent, masks, dropped, errors, seconds,
      seconds > 0 ? masks / seconds : 0.0, latency_p50_ms, latency_p95_ms,
      latency_max_ms);
  if (!regions_per_worker.empty()) {
    text += "\nregions per worker:";
    for (const auto& [worker, count] : regions_per_worker) {
      text += absl::StrFormat(" %s=%d", worker, count);
    }
  }
  const int64_t regions = regions_segmented + regions_warped;
  if (regions > 0) {
    text += absl::StrFormat(
        "\npaths: %d segmented, %d warped (%.1f %% warped); worker time per "
        "region: segmentation %.2f ms, flow %.2f ms; keys forwarded: %d "
        "(%.1f kB per frame)",
        regions_segmented, regions_warped, 100.0 * regions_warped / regions,
        regions_segmented ? segmentation_ms / regions_segmented : 0.0,
        regions_warped ? flow_ms / regions_warped : 0.0, key_transfers,
        masks ? key_bytes / 1000.0 / masks : 0.0);
  }
  if (!output.empty()) text += "\noutputs in " + output;
  if (metrics) text += "\n" + metrics->ToTable(class_names);
  return text;
}

std::string StreamSummary::ToJson() const {
  const int64_t regions = regions_segmented + regions_warped;
  std::string json = absl::StrFormat(
      "{\"frames\": %d, \"masks\": %d, \"dropped\": %d, \"errors\": %d, "
      "\"seconds\": %.3f, \"fps\": %.3f, \"latency_p50_ms\": %.2f, "
      "\"latency_p95_ms\": %.2f, \"latency_p99_ms\": %.2f, "
      "\"regions_segmented\": %d, "
      "\"regions_warped\": %d, \"warped_fraction\": %.4f, "
      "\"segmentation_ms_per_region\": %.3f, \"flow_ms_per_region\": %.3f, "
      "\"key_transfers\": %d, \"key_bytes_per_frame\": %.1f, "
      "\"duplicates\": %d, \"longest_stall_ms\": %.1f, "
      "\"network_ms_per_segmented_region\": %.3f",
      frames_sent, masks, dropped, errors, seconds,
      seconds > 0 ? masks / seconds : 0.0, latency_p50_ms, latency_p95_ms,
      latency_p99_ms, regions_segmented, regions_warped,
      regions ? static_cast<double>(regions_warped) / regions : 0.0,
      regions_segmented ? segmentation_ms / regions_segmented : 0.0,
      regions_warped ? flow_ms / regions_warped : 0.0, key_transfers,
      masks ? static_cast<double>(key_bytes) / masks : 0.0, duplicates,
      longest_stall_ms,
      regions_segmented ? worker_timings.segmentation_ms / regions_segmented
                        : 0.0);
  if (metrics) {
    json += absl::StrFormat(", \"miou\": %.4f, \"pixel_accuracy\": %.4f",
                            metrics->mean_iou, metrics->pixel_accuracy);
  }
  // Worker ids are names the workers chose: escape them as JSON strings.
  json += ", \"regions_per_worker\": {";
  const char* separator = "";
  for (const auto& [worker, count] : regions_per_worker) {
    json += absl::StrFormat("%s%s: %d", separator, JsonString(worker), count);
    separator = ", ";
  }
  return json + "}}";
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(p * (values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

void StreamSummary::SetLatencies(std::vector<double> latencies_ms) {
  latency_p50_ms = Percentile(latencies_ms, 0.5);
  latency_p95_ms = Percentile(latencies_ms, 0.95);
  latency_p99_ms = Percentile(latencies_ms, 0.99);
  latency_max_ms = Percentile(std::move(latencies_ms), 1.0);
}

absl::StatusOr<StreamSummary> RunStream(const StreamClientOptions& options) {
  absl::StatusOr<const Palette*> palette = PaletteByName(options.palette);
  if (!palette.ok()) return palette.status();
  if (options.loop && !options.gt.empty()) {
    return absl::InvalidArgumentError(
        "a looped source cannot be scored against ground truth (--gt)");
  }
  const int source_frames =
      options.max_frames > 0 ? options.skip_frames + options.max_frames : 0;
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      options.loop ? OpenLoopingFrameSource(options.source, source_frames)
                   : OpenFrameSource(options.source, source_frames);
  if (!source.ok()) return source.status();
  absl::StatusOr<int> skipped = SkipFrames(**source, options.skip_frames);
  if (!skipped.ok()) return skipped.status();
  if (*skipped < options.skip_frames) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--skip_frames=%d: %s has only %d frames",
                        options.skip_frames, options.source, *skipped));
  }
  std::unique_ptr<FrameSink> sink;
  if (!options.output.empty()) {
    FrameSinkOptions sink_options;
    sink_options.folder = options.output;
    sink_options.overlay = options.overlay;
    sink_options.palette = *palette;
    if ((*source)->fps() > 0) sink_options.fps = (*source)->fps();
    absl::StatusOr<std::unique_ptr<FrameSink>> opened =
        OpenFrameSink(sink_options);
    if (!opened.ok()) return opened.status();
    sink = *std::move(opened);
  }
  std::optional<GroundTruth> truth;
  if (!options.gt.empty()) {
    const int classes = static_cast<int>((*palette)->colors.size());
    // CamVid marks void as 11 (= class count); Cityscapes as 255.
    absl::StatusOr<GroundTruth> opened = GroundTruth::Open(
        options.gt, classes, options.palette == "camvid" ? classes : 255);
    if (!opened.ok()) return opened.status();
    truth = *std::move(opened);
  }

  grpc::ChannelArguments args = PixelChannelArguments();
  auto channel = grpc::CreateCustomChannel(
      options.master, MasterChannelCredentials(options.tls, args), args);
  if (!channel->WaitForConnected(
          std::chrono::system_clock::now() +
          absl::ToChronoMilliseconds(options.connect_timeout))) {
    return absl::UnavailableError(
        absl::StrFormat("cannot reach master %s within %s", options.master,
                        absl::FormatDuration(options.connect_timeout)));
  }
  auto stub = v1::Segmentation::NewStub(channel);
  grpc::ClientContext context;
  if (!options.auth_token.empty()) {
    context.AddMetadata(kAuthMetadataKey, BearerValue(options.auth_token));
  }
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoSeconds(options.deadline));
  auto stream = stub->Stream(&context);

  StreamSummary summary;
  summary.output = options.output;
  summary.class_names = (*palette)->class_names;
  const bool keep_frames = sink && options.overlay != "none";
  InFlightFrames in_flight(64);
  const absl::Time start = absl::Now();

  v1::StreamRequest config;
  *config.mutable_config() = options.config;
  if (!stream->Write(config)) {
    return FromGrpcStatus(stream->Finish());
  }
  absl::Status source_status;
  std::thread writer([&] {
    int errors_in_a_row = 0;
    const absl::Time start = absl::Now();
    for (uint64_t index = 0;; ++index) {
      if (options.rate > 0) {
        absl::SleepFor(start + absl::Seconds(index / options.rate) -
                       absl::Now());
      }
      absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
      if (!frame.ok()) {
        TLOG(WARNING) << frame.status().ToString();
        // An unreadable file in a folder is skipped; a camera that fails
        // every read ends the stream instead of spinning.
        if (++errors_in_a_row >= 100) {
          source_status = frame.status();
          break;
        }
        continue;
      }
      errors_in_a_row = 0;
      if (!frame->has_value()) break;
      auto image = std::make_shared<const Image>(std::move(**frame));
      absl::StatusOr<v1::ImageData> data =
          EncodeImageData(*image, options.frame_encoding);
      if (!data.ok()) {
        source_status = data.status();
        break;
      }
      if (!in_flight.Put(index, keep_frames ? image : nullptr)) break;
      v1::StreamRequest request;
      request.mutable_frame()->set_index(index);
      *request.mutable_frame()->mutable_image() = *std::move(data);
      if (!stream->Write(request)) break;
      ++summary.frames_sent;
    }
    stream->WritesDone();
  });

  std::vector<double> latencies;
  const bool show_progress = options.progress && isatty(STDERR_FILENO);
  const int total = (*source)->frame_count();
  absl::Status output_status;
  v1::StreamResponse response;
  std::set<uint64_t> answered;
  std::optional<absl::Time> last_answer;
  while (stream->Read(&response)) {
    if (response.has_accepted()) {
      TLOG(INFO) << "stream " << response.accepted().stream_id()
                 << " accepted by " << options.master;
      continue;
    }
    const absl::Time now = absl::Now();
    if (last_answer) {
      summary.longest_stall_ms =
          std::max(summary.longest_stall_ms,
                   absl::ToDoubleMilliseconds(now - *last_answer));
    }
    last_answer = now;
    const uint64_t index = response.has_result()    ? response.result().index()
                           : response.has_dropped() ? response.dropped().index()
                                                    : response.error().index();
    if (!answered.insert(index).second) ++summary.duplicates;
    if (response.has_dropped()) {
      ++summary.dropped;
      in_flight.Take(response.dropped().index());
      if (truth) truth->Skip();
      continue;
    }
    if (response.has_error()) {
      ++summary.errors;
      in_flight.Take(response.error().index());
      if (truth) truth->Skip();
      TLOG(WARNING) << "frame " << response.error().index() << ": "
                    << response.error().message();
      continue;
    }
    const v1::FrameResult& result = response.result();
    std::shared_ptr<const Image> frame = in_flight.Take(result.index());
    absl::StatusOr<Image> mask =
        DecodeImageData(result.labels(), {.channels = 1}, {});
    if (!mask.ok()) {
      output_status = mask.status();
      break;
    }
    ++summary.masks;
    latencies.push_back(result.stats().latency_ms());
    summary.master_split_ms += result.stats().split_ms();
    summary.master_stitch_ms += result.stats().stitch_ms();
    for (const v1::RegionStats& region : result.stats().regions()) {
      ++summary.regions_per_worker[region.worker_id()];
      summary.worker_timings += FromProto(region.timings());
      if (region.path() == v1::PATH_FLOW) {
        ++summary.regions_warped;
        summary.flow_ms += region.compute_ms();
      } else {
        ++summary.regions_segmented;
        summary.segmentation_ms += region.compute_ms();
      }
    }
    summary.key_transfers += result.stats().key_transfers();
    summary.key_bytes += result.stats().key_bytes();
    if (sink) {
      absl::Status written =
          sink->Write(result.index(), frame ? *frame : Image(), *mask);
      if (!written.ok()) {
        output_status = written;
        break;
      }
    }
    if (truth) {
      if (absl::Status added = truth->Add(*mask); !added.ok()) {
        output_status = added;
        break;
      }
    }
    if (show_progress) {
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
      std::fprintf(
          stderr, "\r%d%s frames  %.1f fps  latency %.0f ms   ", summary.masks,
          total > 0 ? absl::StrFormat("/%d", total).c_str() : "",
          summary.masks / std::max(seconds, 1e-9), result.stats().latency_ms());
    }
  }
  if (show_progress) std::fprintf(stderr, "\n");
  if (!output_status.ok()) context.TryCancel();
  in_flight.Close();
  writer.join();
  const grpc::Status status = stream->Finish();
  summary.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (sink) {
    absl::Status closed = sink->Close();
    if (output_status.ok()) output_status = closed;
  }
  if (!output_status.ok()) return output_status;
  if (!source_status.ok()) return source_status;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      summary.frames_sent > 0) {
    // The master went away mid-stream. Answers come in frame order, so the
    // frames after the last answer are exactly the ones to send again.
    const int answered = summary.masks + summary.errors + summary.dropped;
    return absl::UnavailableError(absl::StrFormat(
        "lost the master at %s after %d of %d frames sent were answered "
        "(%s); to resume, stream again with --skip_frames=%d",
        options.master, answered, summary.frames_sent, status.error_message(),
        options.skip_frames + answered));
  }
  if (!status.ok()) return FromGrpcStatus(status);
  summary.SetLatencies(std::move(latencies));
  if (truth) summary.metrics = truth->Compute();
  return summary;
}

}  // namespace tessera::client
