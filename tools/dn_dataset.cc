#include "tools/dn_dataset.h"

#include <array>
#include <deque>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/frame_source.h"
#include "common/split_stitch.h"
#include "common/status_macros.h"
#include "tools/synth_scene.h"
#include "worker/flow_window.h"
#include "worker/local_key_buffer.h"

namespace tessera::tools {
namespace {

// Frames [first, end) of a source (end 0: to the source's end).
class SourceClip final : public Clip {
 public:
  SourceClip(std::unique_ptr<FrameSource> source, std::string spec,
             int64_t first, int64_t end)
      : source_(std::move(source)),
        spec_(std::move(spec)),
        first_(first),
        end_(end) {}
  absl::StatusOr<std::optional<Image>> Next() override {
    if (position_ < first_) {
      ASSIGN_OR_RETURN(const int skipped,
                       SkipFrames(*source_, static_cast<int>(first_)));
      position_ = skipped;
      if (skipped < first_) return std::nullopt;
    }
    if (end_ > 0 && position_ >= end_) return std::nullopt;
    ++position_;
    return source_->Next();
  }
  std::string name() const override { return spec_; }

 private:
  std::unique_ptr<FrameSource> source_;
  std::string spec_;
  int64_t first_;
  int64_t end_;
  int64_t position_ = 0;
};

// Splits "PATH@FROM:TO" into PATH and the frame range [FROM, TO). A spec
// whose text after its last '@' is not two numbers joined by ':' is all path
// (an rtsp://user@host URL).
absl::Status ParseRange(const std::string& spec, std::string& path,
                        int64_t& first, int64_t& end) {
  path = spec;
  first = end = 0;
  const size_t at = spec.rfind('@');
  if (at == std::string::npos) return absl::OkStatus();
  const std::string range = spec.substr(at + 1);
  const size_t colon = range.find(':');
  const bool numeric =
      colon != std::string::npos && colon > 0 && colon + 1 < range.size() &&
      range.find_first_not_of("-0123456789:") == std::string::npos;
  if (!numeric) return absl::OkStatus();
  if (!absl::SimpleAtoi(range.substr(0, colon), &first) ||
      !absl::SimpleAtoi(range.substr(colon + 1), &end) || first < 0 ||
      end <= first) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "clip '%s': a frame range is @FROM:TO with 0 <= FROM < TO", spec));
  }
  path = spec.substr(0, at);
  return absl::OkStatus();
}

class SynthClip final : public Clip {
 public:
  SynthClip(std::unique_ptr<SynthScene> scene, std::string name)
      : scene_(std::move(scene)), name_(std::move(name)) {}
  absl::StatusOr<std::optional<Image>> Next() override {
    absl::StatusOr<SynthFrame> frame = scene_->Next();
    if (frame.status().code() == absl::StatusCode::kOutOfRange) {
      return std::nullopt;
    }
    if (!frame.ok()) return frame.status();
    return std::move(frame->image);
  }
  std::string name() const override { return name_; }

 private:
  std::unique_ptr<SynthScene> scene_;
  std::string name_;
};

// One frame's regions, each as the key the segmentation path makes of it,
// and, for carried warps, each key warped on to the newest frame so far
// (as a worker's local key buffer holds them).
struct SegmentedFrame {
  std::vector<worker::KeyFrame> keys;
  std::vector<worker::KeyFrame> carried;
};

double PixelAgreement(const LabelMap& a, const LabelMap& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    same += a.pixels[i] == b.pixels[i];
  return 100.0 * same / std::max<size_t>(1, a.pixels.size());
}

double ClassAgreement(const LabelMap& a, const LabelMap& b) {
  std::array<size_t, 256> both{}, in_a{}, in_b{};
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    ++in_a[a.pixels[i]];
    ++in_b[b.pixels[i]];
    both[a.pixels[i]] += a.pixels[i] == b.pixels[i];
  }
  double sum = 0;
  int classes = 0;
  for (int c = 0; c < 256; ++c) {
    const size_t united = in_a[c] + in_b[c] - both[c];
    if (united == 0) continue;
    sum += static_cast<double>(both[c]) / united;
    ++classes;
  }
  return classes == 0 ? 100.0 : 100.0 * sum / classes;
}

}  // namespace

absl::StatusOr<DnTarget> ParseDnTarget(const std::string& name) {
  if (name == "pixels") return DnTarget::kPixels;
  if (name == "classes") return DnTarget::kClasses;
  return absl::InvalidArgumentError(
      absl::StrFormat("--target=%s: expected pixels or classes", name));
}

std::string DnTargetName(DnTarget target) {
  return target == DnTarget::kPixels ? "pixels" : "classes";
}

double AgreementOf(DnTarget target, const LabelMap& warped,
                   const LabelMap& segmented) {
  return target == DnTarget::kPixels ? PixelAgreement(warped, segmented)
                                     : ClassAgreement(warped, segmented);
}

absl::StatusOr<std::unique_ptr<Clip>> OpenClip(const std::string& spec,
                                               const ClipOptions& options) {
  constexpr std::string_view kSynth = "synth:";
  if (spec.rfind(kSynth, 0) == 0) {
    uint64_t seed = 0;
    if (!absl::SimpleAtoi(spec.substr(kSynth.size()), &seed)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("clip '%s': expected synth:SEED", spec));
    }
    SynthOptions synth;
    synth.seed = seed;
    synth.width = options.synth_size.width;
    synth.height = options.synth_size.height;
    synth.frames = options.max_frames > 0 ? options.max_frames : 60;
    synth.scene_cut_every = options.synth_scene_cut_every;
    ASSIGN_OR_RETURN(std::unique_ptr<SynthScene> scene,
                     SynthScene::Create(synth));
    return std::make_unique<SynthClip>(std::move(scene), spec);
  }
  std::string path;
  int64_t first = 0;
  int64_t end = 0;
  RETURN_IF_ERROR(ParseRange(spec, path, first, end));
  if (options.max_frames > 0 &&
      (end == 0 || end > first + options.max_frames)) {
    end = first + options.max_frames;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<FrameSource> source,
                   OpenFrameSource(path, 0));
  return std::make_unique<SourceClip>(std::move(source), spec, first, end);
}

absl::StatusOr<std::vector<DnSample>> BuildDnSamples(
    Clip& clip, worker::Segmenter& segmenter, worker::OpticalFlow& flow,
    const DnDatasetOptions& options) {
  std::vector<DnSample> samples;
  // The last max_gap + 1 frames, newest at the back.
  std::deque<SegmentedFrame> window;
  for (int t = 0;; ++t) {
    ASSIGN_OR_RETURN(std::optional<Image> frame, clip.Next());
    if (!frame) break;
    ASSIGN_OR_RETURN(std::vector<Region> grid,
                     MakeRegionGrid(frame->size(), options.grid));
    SegmentedFrame current;
    for (const Region& region : grid) {
      worker::KeyFrame& key = current.keys.emplace_back();
      key.frame_index = static_cast<uint64_t>(t);
      key.image = CropImage(*frame, region.area);
      ASSIGN_OR_RETURN(worker::Segmentation seg,
                       segmenter.Segment(key.image, true));
      key.labels = std::move(seg.labels);
      key.confidence = std::move(seg.confidence);
    }
    if (options.carried_warps) current.carried = current.keys;
    window.push_back(std::move(current));
    if (static_cast<int>(window.size()) > options.max_gap + 1) {
      window.pop_front();
    }
    const bool sampled = t % std::max(1, options.frame_step) == 0;
    // Carried warps follow every frame, sampled or not.
    if (!sampled && !options.carried_warps) continue;
    const std::vector<worker::KeyFrame>& now = window.back().keys;
    for (int gap = sampled ? 0 : 1; gap < static_cast<int>(window.size());
         ++gap) {
      SegmentedFrame& then = window[window.size() - 1 - gap];
      const bool carried = options.carried_warps && gap > 0;
      for (size_t r = 0; r < now.size(); ++r) {
        const worker::KeyFrame& from = carried ? then.carried[r] : then.keys[r];
        if (from.image.size() != now[r].image.size()) continue;
        // What the worker's FlowPath works on for this region, cropped as
        // it crops (worker/flow_window.h).
        const Rect flow_window = worker::FlowWindow(
            now[r].image.size(), grid[r].CoreInArea(), options.window_margin);
        Image current_crop, image_crop, confidence_crop, labels_crop,
            segmented_crop;
        const Image& current =
            worker::InWindow(now[r].image, flow_window, current_crop);
        const Image& from_image =
            worker::InWindow(from.image, flow_window, image_crop);
        const Image& from_confidence =
            worker::InWindow(from.confidence, flow_window, confidence_crop);
        ASSIGN_OR_RETURN(FlowField field, flow.Compute(current, from_image));
        ASSIGN_OR_RETURN(
            worker::DecisionFeatures features,
            worker::ComputeDecisionFeatures(
                current, from_image, from_confidence, field, gap, from.chain));
        // As far as the worker searches for lost objects: the frames from
        // the frame warped from (the key, or the carried frame before).
        const int frames =
            static_cast<int>(now[r].frame_index - from.frame_index);
        ASSIGN_OR_RETURN(
            GuidedWarp warped,
            WarpLabelsGuided(
                from_image,
                worker::InWindow(from.labels, flow_window, labels_crop),
                from_confidence, current, field,
                options.warp.ForFrames(frames)));
        if (sampled) {
          DnSample sample;
          sample.features = features.values;
          // Over the window's pixels: those the flow path produced.
          sample.agreement = static_cast<float>(AgreementOf(
              options.target, warped.labels,
              worker::InWindow(now[r].labels, flow_window, segmented_crop)));
          sample.gap = gap;
          samples.push_back(sample);
        }
        if (carried) {
          // `next` is `from` (the carried frame before): each paste makes
          // a new image before it is assigned. Outside the window, the
          // labels of the frame warped from, as FlowPath::Warp leaves them.
          worker::KeyFrame& next = then.carried[r];
          next.labels =
              worker::PasteWindow(from.labels, warped.labels, flow_window);
          next.confidence = worker::PasteWindow(from.confidence,
                                                warped.confidence, flow_window);
          next.frame_index = now[r].frame_index;
          next.image = now[r].image;
          next.chain = worker::ChainOf(features);
        }
      }
    }
  }
  return samples;
}

}  // namespace tessera::tools
