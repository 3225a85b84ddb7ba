// The decision network's training set, built as the paper builds it: run
// both paths on real (or generated) video, with the key 0..max_gap frames
// before the current frame, and record per region the flow-path features and
// the target: the percentage of pixels where the warped key labels agree
// with the segmentation path's labels for the current region. With carried
// warps each key's labels are warped on frame by frame, as a worker that
// carries its warps does, and each sample is the warp from the frame before.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Clip> clip, OpenClip("synth:7", opts));
//   ASSIGN_OR_RETURN(std::vector<DnSample> samples,
//                    BuildDnSamples(*clip, *segmenter, *flow, options));
#ifndef TESSERA_TOOLS_DN_DATASET_H_
#define TESSERA_TOOLS_DN_DATASET_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/guided_warp.h"
#include "common/image.h"
#include "common/region_grid.h"
#include "worker/decision_features.h"
#include "worker/optical_flow.h"
#include "worker/segmenter.h"

namespace tessera::tools {

struct DnSample {
  std::array<float, worker::kDecisionFeatureCount> features{};
  float agreement = 0;  // percent, the target
  int gap = 0;          // frames between key and current
};

// Frames of one clip, in order.
class Clip {
 public:
  virtual ~Clip() = default;
  virtual absl::StatusOr<std::optional<Image>> Next() = 0;
  virtual std::string name() const = 0;
};

struct ClipOptions {
  int max_frames = 0;  // 0: the whole clip (synth: 60 frames)
  Size synth_size{480, 360};
  int synth_scene_cut_every = 0;
};

// `spec` is "synth:SEED" (a generated clip) or anything OpenFrameSource
// takes (video file, image folder), optionally with a frame range
// "PATH@FROM:TO" (frames FROM..TO-1), so one video can give a training and
// a held-out part. INVALID_ARGUMENT for a malformed spec or range.
absl::StatusOr<std::unique_ptr<Clip>> OpenClip(const std::string& spec,
                                               const ClipOptions& options);

// What a sample's target measures between the warped key labels and the
// segmentation path's labels of the current region.
enum class DnTarget {
  // The paper's confidence score: the percentage of agreeing pixels.
  kPixels,
  // The mean over the classes present in either map of their IoU between
  // the two (percent): a region whose few pedestrian pixels are warped
  // wrong scores low even when the road around them agrees, which is what
  // mIoU punishes.
  kClasses,
};

// "pixels" or "classes"; INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<DnTarget> ParseDnTarget(const std::string& name);
std::string DnTargetName(DnTarget target);

// The target's value for two label maps of one size, percent.
double AgreementOf(DnTarget target, const LabelMap& warped,
                   const LabelMap& segmented);

struct DnDatasetOptions {
  DnTarget target = DnTarget::kPixels;
  GridSpec grid{2, 2, 64};     // the deployment's regions
  int max_gap = 12;            // keys 0..max_gap frames back
  int frame_step = 1;          // use every k-th frame as a current frame
  GuidedWarpOptions warp;      // the workers' warp: tessera-train-dn sets it
  bool carried_warps = false;  // the workers' --carry_warps
  // The flow path's window (worker/flow_window.h): each region's core grown
  // by this many pixels; negative: the whole region. Features, warps and
  // targets are computed on it.
  int window_margin = -1;
};

absl::StatusOr<std::vector<DnSample>> BuildDnSamples(
    Clip& clip, worker::Segmenter& segmenter, worker::OpticalFlow& flow,
    const DnDatasetOptions& options);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_DN_DATASET_H_
