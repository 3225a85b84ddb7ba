#include "master/proto_convert.h"

#include "absl/strings/str_format.h"
#include "common/wire.h"

namespace tessera::master {

absl::StatusOr<StreamSettings> SettingsFromConfig(
    const v1::StreamConfig& config, const StreamSettings& defaults) {
  StreamSettings settings = defaults;
  if (!config.stream_name().empty()) settings.name = config.stream_name();
  if (config.has_grid()) {
    settings.grid = {config.grid().rows(), config.grid().cols(),
                     config.grid().halo()};
  }
  if (config.max_queued_frames() != 0) {
    settings.max_queued_frames = config.max_queued_frames();
  }
  switch (config.overflow()) {
    case v1::OVERFLOW_POLICY_UNSPECIFIED:
      break;
    case v1::OVERFLOW_POLICY_BLOCK:
      settings.overflow = OverflowPolicy::kBlock;
      break;
    case v1::OVERFLOW_POLICY_DROP_OLDEST:
      settings.overflow = OverflowPolicy::kDropOldest;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown overflow policy %d", static_cast<int>(config.overflow())));
  }
  switch (config.stitch()) {
    case v1::STITCH_MODE_UNSPECIFIED:
      break;
    case v1::STITCH_MODE_CROP_HALO:
      settings.stitch = StitchMode::kCropHalo;
      break;
    case v1::STITCH_MODE_MAX_CONFIDENCE:
      settings.stitch = StitchMode::kMaxConfidence;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown stitch mode %d", static_cast<int>(config.stitch())));
  }
  if (config.region_encoding() != v1::ENCODING_UNSPECIFIED) {
    absl::StatusOr<Encoding> encoding = FromProto(config.region_encoding());
    if (!encoding.ok()) return encoding.status();
    settings.region_encoding = *encoding;
  }
  if (config.has_dvs()) {
    absl::StatusOr<DvsSettings> dvs = DvsFromProto(config.dvs(), settings.dvs);
    if (!dvs.ok()) return dvs.status();
    settings.dvs = *dvs;
  }
  return settings;
}

absl::StatusOr<DvsSettings> DvsFromProto(const v1::DvsConfig& config,
                                         const DvsSettings& defaults) {
  DvsSettings dvs = defaults;
  switch (config.mode()) {
    case v1::DvsConfig::MODE_UNSPECIFIED:
      break;
    case v1::DvsConfig::MODE_OFF:
      dvs.mode = DvsMode::kOff;
      break;
    case v1::DvsConfig::MODE_FIXED:
      dvs.mode = DvsMode::kFixed;
      break;
    case v1::DvsConfig::MODE_DYNAMIC:
      dvs.mode = DvsMode::kDynamic;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown DVS mode %d", static_cast<int>(config.mode())));
  }
  if (config.has_threshold()) dvs.threshold = config.threshold();
  if (config.key_gap() != 0) dvs.key_gap = config.key_gap();
  if (config.max_key_age() != 0) dvs.max_key_age = config.max_key_age();
  if (absl::Status valid = ValidateDvs(dvs); !valid.ok()) return valid;
  return dvs;
}

v1::DvsConfig DvsToProto(const DvsSettings& dvs) {
  v1::DvsConfig config;
  switch (dvs.mode) {
    case DvsMode::kOff:
      config.set_mode(v1::DvsConfig::MODE_OFF);
      break;
    case DvsMode::kFixed:
      config.set_mode(v1::DvsConfig::MODE_FIXED);
      break;
    case DvsMode::kDynamic:
      config.set_mode(v1::DvsConfig::MODE_DYNAMIC);
      break;
  }
  config.set_threshold(dvs.threshold);
  config.set_key_gap(dvs.key_gap);
  config.set_max_key_age(dvs.max_key_age);
  return config;
}

v1::StreamAccepted AcceptedMessage(const StreamHandle& handle) {
  v1::StreamAccepted accepted;
  accepted.set_stream_id(handle.name);
  accepted.mutable_grid()->set_rows(handle.settings.grid.rows);
  accepted.mutable_grid()->set_cols(handle.settings.grid.cols);
  accepted.mutable_grid()->set_halo(handle.settings.grid.halo);
  accepted.set_stitch(handle.settings.stitch == StitchMode::kCropHalo
                          ? v1::STITCH_MODE_CROP_HALO
                          : v1::STITCH_MODE_MAX_CONFIDENCE);
  accepted.set_max_queued_frames(handle.settings.max_queued_frames);
  accepted.set_overflow(handle.settings.overflow == OverflowPolicy::kBlock
                            ? v1::OVERFLOW_POLICY_BLOCK
                            : v1::OVERFLOW_POLICY_DROP_OLDEST);
  *accepted.mutable_dvs() = DvsToProto(handle.settings.dvs);
  return accepted;
}

absl::StatusOr<WorkerHelloInfo> HelloFromProto(const v1::WorkerHello& hello) {
  if (hello.worker_id().empty()) {
    return absl::InvalidArgumentError("worker hello has no worker_id");
  }
  if (!(hello.regions_per_second() > 0) || hello.max_in_flight() <= 0 ||
      hello.num_classes() <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "worker %s advertises %g regions/s, %d in flight, %d classes; all "
        "must be positive",
        hello.worker_id(), hello.regions_per_second(), hello.max_in_flight(),
        hello.num_classes()));
  }
  WorkerHelloInfo info;
  info.name = hello.worker_id();
  info.device = hello.device();
  info.model = hello.model_name();
  info.num_classes = hello.num_classes();
  info.regions_per_second = hello.regions_per_second();
  info.max_in_flight = hello.max_in_flight();
  info.flow_path = hello.flow_path();
  if (hello.has_stage_serving()) {
    const v1::StageServing& serving = hello.stage_serving();
    if (serving.address().empty() || serving.cut_points().empty() ||
        serving.piece_ms_size() != serving.cut_points_size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "worker %s offers pipeline stages at '%s' with %d cut points and "
          "%d piece timings; needs an address and one timing per cut point",
          hello.worker_id(), serving.address(), serving.cut_points_size(),
          serving.piece_ms_size()));
    }
    for (float ms : serving.piece_ms()) {
      if (!(ms >= 0)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "worker %s timed a model piece at %g ms", hello.worker_id(), ms));
      }
    }
    info.stage_serving = StageServingInfo{
        serving.address(),
        {serving.cut_points().begin(), serving.cut_points().end()},
        {serving.piece_ms().begin(), serving.piece_ms().end()}};
  }
  return info;
}

v1::MasterMessage PlanToProto(const StagePlanMessage& plan) {
  v1::MasterMessage message;
  v1::StagePlan* out = message.mutable_plan();
  out->set_plan_id(plan.plan_id);
  for (const std::string& cut : plan.cuts) out->add_cuts(cut);
  out->set_stage(plan.stage);
  out->set_stages(plan.stages);
  out->set_next_address(plan.next_address);
  out->set_wire(plan.wire_fp16 ? v1::StageTensor::FLOAT16
                               : v1::StageTensor::FLOAT32);
  return message;
}

namespace {

void ImageToProto(const EncodedImage& image, v1::ImageData* out) {
  out->set_encoding(ToProto(image.encoding));
  out->set_width(image.width);
  out->set_height(image.height);
  out->set_channels(image.channels);
  if (image.bytes) out->set_data(*image.bytes);
}

EncodedImage WireCopy(const v1::ImageData& data) {
  EncodedImage image;
  image.bytes = std::make_shared<const std::string>(data.data());
  image.encoding = FromProto(data.encoding()).value_or(Encoding::kRaw);
  image.width = data.width();
  image.height = data.height();
  image.channels = data.channels();
  return image;
}

}  // namespace

v1::MasterMessage TaskToProto(const TaskMessage& task) {
  v1::MasterMessage message;
  v1::RegionTask* out = message.mutable_task();
  out->set_task_id(task.task);
  out->set_stream_id(task.stream_id);
  out->set_frame_index(task.frame_index);
  out->set_region_id(task.region_id);
  ImageToProto(task.image, out->mutable_image());
  out->set_want_confidence(task.want_confidence);
  out->set_label_encoding(ToProto(task.label_encoding));
  if (task.policy.allow_flow || task.policy.keep_key) {
    v1::RegionPolicy* policy = out->mutable_policy();
    policy->set_allow_flow(task.policy.allow_flow);
    policy->set_threshold(task.policy.threshold);
    policy->set_max_key_age(task.policy.max_key_age);
    policy->set_keep_key(task.policy.keep_key);
  }
  if (task.stitched.width > 0 && task.stitched.height > 0) {
    v1::PixelRect* stitched = out->mutable_stitched();
    stitched->set_x(task.stitched.x);
    stitched->set_y(task.stitched.y);
    stitched->set_width(task.stitched.width);
    stitched->set_height(task.stitched.height);
  }
  if (task.key) {
    v1::KeyFrame* key = out->mutable_key();
    key->set_frame_index(task.key->frame_index);
    ImageToProto(task.key->image, key->mutable_image());
    ImageToProto(task.key->labels, key->mutable_labels());
    if (task.key->confidence.bytes) {
      ImageToProto(task.key->confidence, key->mutable_confidence());
    }
  }
  return message;
}

absl::StatusOr<RegionResultIn> ResultFromProto(const v1::RegionResult& result,
                                               const DecodeLimits& limits) {
  RegionResultIn in;
  in.task = result.task_id();
  absl::StatusOr<Image> labels =
      DecodeImageData(result.labels(), {.channels = 1}, limits);
  if (!labels.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "task %d labels: %s", result.task_id(), labels.status().message()));
  }
  in.labels = *std::move(labels);
  if (result.has_confidence() && !result.confidence().data().empty()) {
    absl::StatusOr<Image> confidence =
        DecodeImageData(result.confidence(), {.channels = 1}, limits);
    if (!confidence.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("task %d confidence: %s", result.task_id(),
                          confidence.status().message()));
    }
    in.confidence = *std::move(confidence);
    in.confidence_wire = WireCopy(result.confidence());
  }
  in.labels_wire = WireCopy(result.labels());
  in.compute_ms = result.compute_ms();
  in.path = result.path() == v1::PATH_FLOW ? RegionPath::kFlow
                                           : RegionPath::kSegmentation;
  in.score = result.score();
  in.key_frame_index = result.key_frame_index();
  in.warped_from_frame_index = result.warped_from_frame_index();
  in.timings = FromProto(result.timings());
  return in;
}

absl::StatusOr<v1::StreamResponse> OutcomeToProto(const FrameOutcome& outcome,
                                                  Encoding mask_encoding) {
  v1::StreamResponse response;
  switch (outcome.kind) {
    case FrameOutcome::Kind::kMask: {
      v1::FrameResult* result = response.mutable_result();
      result->set_index(outcome.index);
      const absl::Time encode_start = absl::Now();
      absl::StatusOr<v1::ImageData> mask =
          EncodeImageData(outcome.mask, mask_encoding);
      if (!mask.ok()) return mask.status();
      const double encode_ms =
          absl::ToDoubleMilliseconds(absl::Now() - encode_start);
      *result->mutable_labels() = *std::move(mask);
      v1::FrameStats* stats = result->mutable_stats();
      stats->set_latency_ms(static_cast<float>(outcome.stats.latency_ms));
      stats->set_queued_frames(outcome.stats.queued_frames);
      stats->set_dropped_frames_total(outcome.stats.dropped_frames_total);
      stats->set_segmented_regions(outcome.stats.segmented_regions);
      stats->set_warped_regions(outcome.stats.warped_regions);
      stats->set_key_transfers(outcome.stats.key_transfers);
      stats->set_key_bytes(outcome.stats.key_bytes);
      stats->set_split_ms(static_cast<float>(outcome.stats.split_ms));
      stats->set_stitch_ms(
          static_cast<float>(outcome.stats.stitch_ms + encode_ms));
      for (const RegionStat& region : outcome.stats.regions) {
        v1::RegionStats* out = stats->add_regions();
        out->set_region_id(region.region_id);
        out->set_worker_id(region.worker);
        out->set_path(region.path == RegionPath::kFlow ? v1::PATH_FLOW
                                                       : v1::PATH_SEGMENTATION);
        out->set_compute_ms(static_cast<float>(region.compute_ms));
        out->set_attempts(region.attempts);
        out->set_round_trip_ms(static_cast<float>(region.round_trip_ms));
        out->set_score(region.score);
        out->set_key_age(region.key_age);
        out->set_warp_span(region.warp_span);
        out->set_key_bytes_sent(region.key_bytes_sent);
        *out->mutable_timings() = ToProto(region.timings);
      }
      break;
    }
    case FrameOutcome::Kind::kDropped:
      response.mutable_dropped()->set_index(outcome.index);
      response.mutable_dropped()->set_reason(outcome.drop_reason);
      break;
    case FrameOutcome::Kind::kError:
      response.mutable_error()->set_index(outcome.index);
      response.mutable_error()->set_code(
          static_cast<int>(outcome.error.code()));
      response.mutable_error()->set_message(
          std::string(outcome.error.message()));
      break;
  }
  return response;
}

}  // namespace tessera::master
