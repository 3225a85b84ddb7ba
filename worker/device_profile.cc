#include "worker/device_profile.h"

#include <thread>

#include "absl/strings/str_format.h"
#include "worker/json_proto.h"
#include "worker/stage_pipeline.h"

namespace tessera::worker {
namespace {

class PacedSegmenter : public Segmenter {
 public:
  PacedSegmenter(std::unique_ptr<Segmenter> inner,
                 std::shared_ptr<DevicePacer> pacer)
      : inner_(std::move(inner)), pacer_(std::move(pacer)) {}

  absl::StatusOr<Segmentation> Segment(const Image& image,
                                       bool want_confidence) override {
    // At the head of a pipeline each stage paces itself, on its worker.
    if (HeadsPipeline()) return inner_->Segment(image, want_confidence);
    const DevicePacer::Clock::time_point start = DevicePacer::Clock::now();
    absl::StatusOr<Segmentation> out = inner_->Segment(image, want_confidence);
    // A failure is reported at once: padding it would only delay the retry.
    if (out.ok()) {
      pacer_->PadStep(DevicePacer::Step::kSegmentation, image.size(), start);
    }
    return out;
  }
  std::string model_name() const override { return inner_->model_name(); }
  std::string device() const override {
    return inner_->device() + " as " + pacer_->profile().name();
  }
  int num_classes() const override { return inner_->num_classes(); }
  std::shared_ptr<StagePipeline> stage_pipeline() const override {
    return inner_->stage_pipeline();
  }
  // Only a pipeline's head runs batches at once, and it is not padded here.
  bool concurrent_batches() const override {
    return inner_->concurrent_batches();
  }
  absl::StatusOr<std::vector<Segmentation>> SegmentBatch(
      const std::vector<const Image*>& images, bool want_confidence) override {
    // A pipeline's head sends a batch's regions on one after another.
    if (HeadsPipeline()) return inner_->SegmentBatch(images, want_confidence);
    return Segmenter::SegmentBatch(images, want_confidence);
  }

 private:
  bool HeadsPipeline() const {
    const std::shared_ptr<StagePipeline> pipeline = inner_->stage_pipeline();
    return pipeline != nullptr && pipeline->heads_pipeline();
  }

  std::unique_ptr<Segmenter> inner_;
  std::shared_ptr<DevicePacer> pacer_;
};

}  // namespace

absl::StatusOr<v1::DeviceProfile> LoadDeviceProfile(const std::string& path) {
  v1::DeviceProfile profile;
  if (absl::Status read = ReadJsonProto(path, "device profile", profile);
      !read.ok()) {
    return read;
  }
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrFormat("device profile %s: %s", path, why));
  };
  if (profile.name().empty()) return bad("\"name\" is missing");
  if (profile.source().empty()) {
    return bad("\"source\" is missing: say where its figures come from");
  }
  if (profile.reference_width() <= 0 || profile.reference_height() <= 0) {
    return bad(absl::StrFormat(
        "reference size %dx%d must be positive (\"reference_width\", "
        "\"reference_height\")",
        profile.reference_width(), profile.reference_height()));
  }
  if (!(profile.segmentation_ms() > 0)) {
    return bad("\"segmentation_ms\" must be > 0");
  }
  const std::pair<const char*, double> times[] = {
      {"flow_ms", profile.flow_ms()},
      {"decision_ms", profile.decision_ms()},
      {"warp_ms", profile.warp_ms()}};
  for (const auto& [name, ms] : times) {
    if (!(ms >= 0)) return bad(absl::StrFormat("\"%s\" must be >= 0", name));
  }
  return profile;
}

DevicePacer::DevicePacer(v1::DeviceProfile profile)
    : profile_(std::move(profile)) {}

double DevicePacer::StepMs(Step step, Size region) const {
  double reference_ms = 0;
  switch (step) {
    case Step::kSegmentation:
      reference_ms = profile_.segmentation_ms();
      break;
    case Step::kFlow:
      reference_ms = profile_.flow_ms();
      break;
    case Step::kDecision:
      reference_ms = profile_.decision_ms();
      break;
    case Step::kWarp:
      reference_ms = profile_.warp_ms();
      break;
  }
  const double pixels = static_cast<double>(region.width) * region.height;
  const double reference_pixels =
      static_cast<double>(profile_.reference_width()) *
      profile_.reference_height();
  return reference_ms * pixels / reference_pixels;
}

void DevicePacer::PadStep(Step step, Size region, Clock::time_point start) {
  PadSteps({step}, region, start);
}

void DevicePacer::PadSteps(std::initializer_list<Step> steps, Size region,
                           Clock::time_point start) {
  double target_ms = 0;
  for (const Step step : steps) target_ms += StepMs(step, region);
  PadUntil(target_ms, start);
}

void DevicePacer::PadFraction(Step step, Size region, double fraction,
                              Clock::time_point start) {
  PadUntil(StepMs(step, region) * fraction, start);
}

void DevicePacer::PadUntil(double target_ms, Clock::time_point start) {
  const Clock::time_point until =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double, std::milli>(target_ms));
  steps_.fetch_add(1, std::memory_order_relaxed);
  const Clock::time_point now = Clock::now();
  if (now >= until) {
    overruns_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  padded_us_.fetch_add(
      std::chrono::duration_cast<std::chrono::microseconds>(until - now)
          .count(),
      std::memory_order_relaxed);
  std::this_thread::sleep_until(until);
}

PacingCounters DevicePacer::counters() const {
  return {.steps = steps_.load(std::memory_order_relaxed),
          .overruns = overruns_.load(std::memory_order_relaxed),
          .padded_seconds =
              static_cast<double>(padded_us_.load(std::memory_order_relaxed)) /
              1e6};
}

std::unique_ptr<Segmenter> PaceSegmenter(std::unique_ptr<Segmenter> inner,
                                         std::shared_ptr<DevicePacer> pacer) {
  return std::make_unique<PacedSegmenter>(std::move(inner), std::move(pacer));
}

absl::StatusOr<std::shared_ptr<DevicePacer>> EmulateDevice(
    const std::string& profile_path, std::unique_ptr<Segmenter>& segmenter) {
  if (profile_path.empty()) return nullptr;
  absl::StatusOr<v1::DeviceProfile> profile = LoadDeviceProfile(profile_path);
  if (!profile.ok()) return profile.status();
  auto pacer = std::make_shared<DevicePacer>(*std::move(profile));
  segmenter = PaceSegmenter(std::move(segmenter), pacer);
  return pacer;
}

}  // namespace tessera::worker
