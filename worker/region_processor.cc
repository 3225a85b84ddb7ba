#include "worker/region_processor.h"

#include <chrono>

#include "absl/strings/str_format.h"
#include "common/elapsed.h"

namespace tessera::worker {

RegionProcessor::RegionProcessor(Segmenter& segmenter, DecodeLimits limits,
                                 FlowPath* flow_path, size_t key_capacity)
    : segmenter_(segmenter),
      limits_(limits),
      flow_path_(flow_path),
      keys_(flow_path != nullptr ? key_capacity : 0) {}

absl::StatusOr<RegionResultOut> RegionProcessor::Process(
    const RegionTaskIn& task) {
  return std::move(ProcessBatch({&task}).front());
}

std::vector<absl::StatusOr<RegionResultOut>> RegionProcessor::ProcessBatch(
    const std::vector<const RegionTaskIn*>& tasks) {
  absl::MutexLock lock(&mu_);
  std::vector<absl::StatusOr<RegionResultOut>> results(
      tasks.size(), absl::UnknownError("not processed"));
  std::vector<ToSegment> to_segment;
  for (size_t i = 0; i < tasks.size(); ++i) {
    // A later frame of a region waiting to be segmented must see the key
    // that segmentation makes, as it would one task at a time.
    for (const ToSegment& pending : to_segment) {
      const RegionTaskIn& waiting = *tasks[pending.index];
      if (waiting.region == tasks[i]->region &&
          waiting.stream == tasks[i]->stream) {
        SegmentAll(tasks, to_segment, results);
        break;
      }
    }
    absl::StatusOr<std::optional<ToSegment>> prepared =
        Prepare(*tasks[i], results[i]);
    if (!prepared.ok()) {
      results[i] = prepared.status();
    } else if (*prepared) {
      (*prepared)->index = i;
      to_segment.push_back(*std::move(*prepared));
    }
  }
  SegmentAll(tasks, to_segment, results);
  return results;
}

void RegionProcessor::SegmentAll(
    const std::vector<const RegionTaskIn*>& tasks,
    std::vector<ToSegment>& to_segment,
    std::vector<absl::StatusOr<RegionResultOut>>& results) {
  if (to_segment.empty()) return;
  std::vector<const Image*> images;
  bool any_confidence = false;
  for (const ToSegment& pending : to_segment) {
    images.push_back(&pending.region);
    any_confidence |= pending.with_confidence;
  }
  const auto segmentation_start = std::chrono::steady_clock::now();
  const bool overlap = segmenter_.concurrent_batches();
  if (overlap) mu_.Unlock();
  absl::StatusOr<std::vector<Segmentation>> segmentations =
      segmenter_.SegmentBatch(images, any_confidence);
  if (overlap) mu_.Lock();
  // A batch's regions share its time equally.
  const double segmentation_ms =
      MillisecondsSince(segmentation_start) / to_segment.size();
  for (size_t k = 0; k < to_segment.size(); ++k) {
    ToSegment& pending = to_segment[k];
    absl::StatusOr<RegionResultOut>& result = results[pending.index];
    if (!segmentations.ok()) {
      result = segmentations.status();
      continue;
    }
    pending.timings.segmentation_ms = segmentation_ms;
    result =
        Finish(*tasks[pending.index], pending, std::move((*segmentations)[k]));
    // Alone, a region's compute time is its wall time in here; in a batch,
    // its own steps plus its share of the batch's forward pass.
    if (result.ok()) {
      result->compute_ms = tasks.size() == 1 ? MillisecondsSince(pending.start)
                                             : result->timings.total_ms();
    }
  }
  to_segment.clear();
}

absl::StatusOr<std::optional<RegionProcessor::ToSegment>>
RegionProcessor::Prepare(const RegionTaskIn& task,
                         absl::StatusOr<RegionResultOut>& warped) {
  ToSegment pending;
  pending.start = std::chrono::steady_clock::now();
  ImageExpectation expect = task.declared;
  expect.channels = 3;
  absl::StatusOr<Image> region =
      DecodeImage(task.image_bytes, task.encoding, expect, limits_);
  if (!region.ok()) {
    return absl::Status(
        region.status().code(),
        absl::StrFormat("task %d: %s", task.task, region.status().message()));
  }
  if (task.key && flow_path_ != nullptr) {
    if (absl::Status installed = InstallKey(task, region->size());
        !installed.ok()) {
      return installed;
    }
  }
  pending.timings.decode_ms = MillisecondsSince(pending.start);
  absl::StatusOr<FlowAttempt> attempt =
      TryFlowPath(task, *region, pending.timings);
  if (!attempt.ok()) return attempt.status();
  if (attempt->warped) {
    RegionResultOut out = *std::move(attempt->warped);
    out.timings.decode_ms = pending.timings.decode_ms;
    out.timings.flow_ms = pending.timings.flow_ms;
    out.timings.decision_ms = pending.timings.decision_ms;
    out.compute_ms = MillisecondsSince(pending.start);
    warped = std::move(out);
    return std::nullopt;
  }
  pending.region = *std::move(region);
  pending.score = attempt->score;
  pending.keep_key = task.policy.keep_key && flow_path_ != nullptr;
  pending.with_confidence = task.want_confidence || pending.keep_key;
  return pending;
}

absl::StatusOr<RegionResultOut> RegionProcessor::Finish(
    const RegionTaskIn& task, ToSegment& pending, Segmentation segmentation) {
  RegionResultOut out;
  out.timings = pending.timings;
  out.score = pending.score;
  if (absl::Status encoded =
          Encode(task, segmentation.labels, segmentation.confidence,
                 pending.with_confidence, out);
      !encoded.ok()) {
    return encoded;
  }
  if (pending.keep_key) {
    auto key = std::make_shared<KeyFrame>();
    key->frame_index = task.frame_index;
    key->image = std::move(pending.region);
    key->labels = std::move(segmentation.labels);
    key->confidence = std::move(segmentation.confidence);
    keys_.Offer(task.stream, task.region, std::move(key));
  }
  return out;
}

absl::Status RegionProcessor::InstallKey(const RegionTaskIn& task,
                                         Size region) {
  const KeyIn& in = *task.key;
  auto bad = [&](const char* part, const absl::Status& error) {
    return absl::InvalidArgumentError(
        absl::StrFormat("task %d: forwarded key of frame %d, %s: %s", task.task,
                        in.frame_index, part, error.message()));
  };
  const ImageExpectation colour{region.width, region.height, 3};
  const ImageExpectation plane{region.width, region.height, 1};
  auto key = std::make_shared<KeyFrame>();
  key->frame_index = in.frame_index;
  absl::StatusOr<Image> image =
      DecodeImage(in.image.bytes, in.image.encoding, colour, limits_);
  if (!image.ok()) return bad("image", image.status());
  absl::StatusOr<Image> labels =
      DecodeImage(in.labels.bytes, in.labels.encoding, plane, limits_);
  if (!labels.ok()) return bad("labels", labels.status());
  key->image = *std::move(image);
  key->labels = *std::move(labels);
  if (!in.confidence.bytes.empty()) {
    absl::StatusOr<Image> confidence = DecodeImage(
        in.confidence.bytes, in.confidence.encoding, plane, limits_);
    if (!confidence.ok()) return bad("confidence", confidence.status());
    key->confidence = *std::move(confidence);
  }
  keys_.Offer(task.stream, task.region, std::move(key));
  return absl::OkStatus();
}

absl::StatusOr<RegionProcessor::FlowAttempt> RegionProcessor::TryFlowPath(
    const RegionTaskIn& task, const Image& region, RegionTimings& timings) {
  FlowAttempt attempt;
  if (!task.policy.allow_flow || flow_path_ == nullptr) return attempt;
  std::shared_ptr<const KeyFrame> key = keys_.Find(task.stream, task.region);
  if (key == nullptr || key->image.size() != region.size()) return attempt;
  // A requeued older frame can meet a newer key: the decision network only
  // knows keys from the past, so such a region is segmented.
  if (key->frame_index > task.frame_index) return attempt;
  const uint64_t age = task.frame_index - key->frame_index;
  if (age > static_cast<uint64_t>(std::max(0, task.policy.max_key_age))) {
    return attempt;
  }
  // A carried path starts from the newest frame it warped from this key
  // when that precedes this one (a requeued older frame warps from the key
  // itself). The network still sees the key's age: the warp's errors add
  // up from the key on.
  std::shared_ptr<const KeyFrame> source = key;
  if (flow_path_->carries_warps()) {
    std::shared_ptr<const KeyFrame> carried =
        keys_.FindCarried(task.stream, task.region);
    if (carried != nullptr && carried->frame_index < task.frame_index) {
      source = std::move(carried);
    }
  }
  absl::StatusOr<FlowEstimate> estimate =
      flow_path_->Estimate(region, *source, static_cast<int>(age),
                           flow_path_->WindowFor(region.size(), task.stitched));
  if (!estimate.ok()) return estimate.status();
  timings.flow_ms = estimate->flow_ms;
  timings.decision_ms = estimate->decision_ms;
  // Below the threshold the region is segmented; the score still travels
  // back for the statistics.
  attempt.score = estimate->score;
  if (estimate->score < task.policy.threshold) return attempt;
  const auto warp_start = std::chrono::steady_clock::now();
  absl::StatusOr<WarpedKey> warped = flow_path_->Warp(
      region, *source, *estimate,
      static_cast<int>(task.frame_index - source->frame_index));
  if (!warped.ok()) return warped.status();
  timings.flow_ms += MillisecondsSince(warp_start);
  RegionResultOut out;
  out.flow_path = true;
  out.score = estimate->score;
  out.key_frame_index = key->frame_index;
  out.warped_from_frame_index = source->frame_index;
  if (absl::Status encoded = Encode(task, warped->labels, warped->confidence,
                                    task.want_confidence, out);
      !encoded.ok()) {
    return encoded;
  }
  if (flow_path_->carries_warps()) {
    auto carried = std::make_shared<KeyFrame>();
    carried->frame_index = task.frame_index;
    carried->image = region;
    carried->labels = std::move(warped->labels);
    carried->confidence = std::move(warped->confidence);
    carried->chain = ChainOf(estimate->features);
    keys_.Carry(task.stream, task.region, key->frame_index, std::move(carried));
  }
  attempt.warped = std::move(out);
  return attempt;
}

absl::Status RegionProcessor::Encode(const RegionTaskIn& task,
                                     const LabelMap& labels,
                                     const Image& confidence,
                                     bool with_confidence,
                                     RegionResultOut& out) const {
  const auto start = std::chrono::steady_clock::now();
  out.task = task.task;
  out.width = labels.width;
  out.height = labels.height;
  out.label_encoding = task.label_encoding;
  absl::StatusOr<std::string> encoded_labels =
      EncodeImage(labels, task.label_encoding);
  if (!encoded_labels.ok()) return encoded_labels.status();
  out.labels = *std::move(encoded_labels);
  if (with_confidence && !confidence.empty()) {
    absl::StatusOr<std::string> encoded =
        EncodeImage(confidence, task.label_encoding);
    if (!encoded.ok()) return encoded.status();
    out.confidence = *std::move(encoded);
  } else if (with_confidence) {
    return absl::InternalError(
        absl::StrFormat("task %d: confidence was asked for but the key or "
                        "segmenter gave none",
                        task.task));
  }
  out.timings.encode_ms = MillisecondsSince(start);
  return absl::OkStatus();
}

}  // namespace tessera::worker
