// Synthetic labelled driving video: a street with perspective (sky,
// buildings, hedges and trees, road with lane marks, pavement, poles, signs,
// fences, cars, pedestrians, a cyclist) seen from a car driving down it,
// with per-frame CamVid labels and the exact backward optical flow and
// occlusion. Deterministic: one seed gives the same bytes on every run.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SynthScene> scene,
//                    SynthScene::Create({.width = 640, .height = 360}));
//   ASSIGN_OR_RETURN(SynthFrame frame, scene->Next());  // `frames` times
//
// How the flow is exact: the world is planes (ground, a facade and a fence
// plane per side, upright cut-outs facing the camera for objects) and the
// camera only translates. Each pixel is ray-cast to the world point it
// shows, which is projected with the previous frame's camera (and the
// object's previous position). A pixel is occluded when that position is
// outside the previous frame or its nearest pixel there showed a different
// plane.
#ifndef TESSERA_TOOLS_SYNTH_SCENE_H_
#define TESSERA_TOOLS_SYNTH_SCENE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera::tools {

struct SynthOptions {
  int width = 640;  // 64 .. 8192
  int height = 360;
  int frames = 50;  // >= 1
  uint64_t seed = 1;
  double fps = 25;          // > 0; sets how far things move per frame
  int scene_cut_every = 0;  // frames per scene; 0 = one scene, no cuts
};

struct SynthFrame {
  int index = 0;
  bool scene_cut = false;  // first frame of a scene (frame 0 included)
  Image image;             // RGB
  LabelMap labels;         // CamVid ids 0..10 (Sky .. Bicyclist); no void
  // Backward flow, 2 * width * height floats, (dx, dy) per pixel, row-major:
  // pixel (x, y) of this frame was at (x + dx, y + dy) in the previous one.
  // Zero at scene cuts.
  std::vector<float> flow;
  // 1 where the pixel was not visible in the previous frame (hidden, outside
  // it, or there is no previous frame of this scene), else 0.
  LabelMap occlusion;
};

class SynthScene {
 public:
  // INVALID_ARGUMENT naming the value when a size is outside 64..8192,
  // frames < 1, fps is not positive or scene_cut_every is negative.
  static absl::StatusOr<std::unique_ptr<SynthScene>> Create(
      const SynthOptions& options);
  ~SynthScene();

  // The next frame; OUT_OF_RANGE after `frames` frames, RESOURCE_EXHAUSTED
  // when the frame's memory cannot be allocated (after which every call
  // fails with FAILED_PRECONDITION: the scene is half-way through a step).
  absl::StatusOr<SynthFrame> Next();

  const SynthOptions& options() const { return options_; }

 private:
  struct State;
  SynthScene(const SynthOptions& options, std::unique_ptr<State> state);

  SynthOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_SYNTH_SCENE_H_
