#include "tools/synth_scene.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "tools/synth_noise.h"
#include "tools/synth_objects.h"
#include "tools/synth_traffic.h"
#include "tools/synth_world.h"

namespace tessera::tools {
namespace {

using synth::Camera;
using synth::FrameBuffers;
using synth::Rng;
using synth::SceneStyle;

constexpr int kMinSize = 64;
constexpr int kMaxSize = 8192;
constexpr double kTwoPi = 6.283185307179586;

absl::Status CheckSize(const char* name, int value) {
  if (value < kMinSize || value > kMaxSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s must be in [%d, %d], got %d", name, kMinSize, kMaxSize, value));
  }
  return absl::OkStatus();
}

absl::Status Validate(const SynthOptions& o) {
  absl::Status status = CheckSize("width", o.width);
  if (status.ok()) status = CheckSize("height", o.height);
  if (!status.ok()) return status;
  if (o.frames < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frames must be at least 1, got %d", o.frames));
  }
  if (!(o.fps > 0) || !std::isfinite(o.fps)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("fps must be positive and finite, got %g", o.fps));
  }
  if (o.scene_cut_every < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("scene_cut_every must be 0 (never) or positive, got %d",
                        o.scene_cut_every));
  }
  return absl::OkStatus();
}

// Scenes of one clip get unrelated styles from the clip seed.
uint32_t SceneSeed(uint64_t seed, int scene) {
  const auto lo = static_cast<uint32_t>(seed);
  const auto hi = static_cast<uint32_t>(seed >> 32);
  return synth::Mix32(lo ^ synth::Mix32(hi + 0x51ED27U * (scene + 1)));
}

// The ego car's speed varies slowly (accelerating, braking).
double EgoSpeed(const SceneStyle& s, double t) {
  return s.ego_speed * (1 + 0.25 * std::sin(kTwoPi * t / 9 + s.light_phase));
}

// Lateral drift within the lane and a little suspension bounce.
void PlaceCamera(const SceneStyle& s, double t, Camera* camera) {
  camera->x = s.lane_x + 0.35 * std::sin(kTwoPi * t / 6.5 + 2 * s.light_phase);
  camera->height = s.camera_height + 0.02 * std::sin(kTwoPi * 1.7 * t);
}

// No camera is perfectly sharp; a [1 2 1] / 4 blur each way also takes the
// stair steps off edges, which the renderer samples at pixel centres only.
void Soften(int w, int h, std::vector<uint8_t>* rgb,
            std::vector<uint8_t>* scratch) {
  const size_t row = 3 * static_cast<size_t>(w);
  scratch->resize(rgb->size());
  for (int j = 0; j < h; ++j) {
    const uint8_t* in = rgb->data() + j * row;
    uint8_t* out = scratch->data() + j * row;
    for (size_t k = 0; k < row; ++k) {
      const int left = k >= 3 ? in[k - 3] : in[k];
      const int right = k + 3 < row ? in[k + 3] : in[k];
      out[k] = static_cast<uint8_t>((left + 2 * in[k] + right + 2) >> 2);
    }
  }
  for (int j = 0; j < h; ++j) {
    const uint8_t* up = scratch->data() + std::max(j - 1, 0) * row;
    const uint8_t* mid = scratch->data() + j * row;
    const uint8_t* down = scratch->data() + std::min(j + 1, h - 1) * row;
    uint8_t* out = rgb->data() + j * row;
    for (size_t k = 0; k < row; ++k) {
      out[k] = static_cast<uint8_t>((up[k] + 2 * mid[k] + down[k] + 2) >> 2);
    }
  }
}

// Occluded where the backward flow leaves the previous frame or lands on a
// pixel that showed another plane (ids name planes; see synth_world.h).
void MarkOcclusion(const FrameBuffers& buf,
                   const std::vector<uint32_t>& prev_ids, uint8_t* occ) {
  const int w = buf.width;
  const int h = buf.height;
  for (int j = 0; j < h; ++j) {
    for (int i = 0; i < w; ++i) {
      const size_t p = buf.Index(i, j);
      const int64_t qx = synth::FloorToInt(i + buf.flow[2 * p] + 0.5);
      const int64_t qy = synth::FloorToInt(j + buf.flow[2 * p + 1] + 0.5);
      occ[p] =
          qx < 0 || qy < 0 || qx >= w || qy >= h ||
          prev_ids[buf.Index(static_cast<int>(qx), static_cast<int>(qy))] !=
              buf.ids[p];
    }
  }
}

// Slow lighting change (gain and a warm/cool tint) and sensor noise. They
// change colours only, after rendering, so they cannot affect the flow.
void LightAndNoise(const SceneStyle& style, double t, uint32_t noise_seed,
                   std::vector<uint8_t>* rgb) {
  const double phase = kTwoPi * t / style.light_period + style.light_phase;
  const double gain = 1 + style.light_amp * std::sin(phase);
  const double tint = 0.3 * style.light_amp * std::sin(0.7 * phase + 1);
  const double gains[3] = {gain * (1 + tint), gain, gain * (1 - tint)};
  uint8_t lut[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      lut[c][v] = static_cast<uint8_t>(
          std::min(255.0, std::max(0.0, v * gains[c] + 0.5)));
    }
  }
  uint32_t noise = noise_seed | 1;  // xorshift32 must not start at 0
  const size_t n = rgb->size() / 3;
  uint8_t* px = rgb->data();
  for (size_t p = 0; p < n; ++p, px += 3) {
    noise ^= noise << 13;
    noise ^= noise >> 17;
    noise ^= noise << 5;
    for (int c = 0; c < 3; ++c) {
      // Two 2-bit draws: a triangular -3..3 per channel.
      const int d = static_cast<int>((noise >> (4 * c)) & 3) +
                    static_cast<int>((noise >> (4 * c + 2)) & 3) - 3;
      px[c] = static_cast<uint8_t>(std::clamp(lut[c][px[c]] + d, 0, 255));
    }
  }
}

}  // namespace

struct SynthScene::State {
  explicit State(uint64_t seed) : rng(seed) {}

  // Moves the camera and traffic on by `dt`, or starts a new scene.
  void Advance(bool cut, double dt, uint64_t seed) {
    prev = camera;
    if (cut) {
      style = synth::MakeSceneStyle(SceneSeed(seed, scene++));
      scene_time = 0;
      camera.z = 0;
      PlaceCamera(style, 0, &camera);
      prev = camera;
      traffic.Reset(style, camera.z, &rng);
      return;
    }
    scene_time += dt;
    const double speed = EgoSpeed(style, scene_time);
    camera.z += speed * dt;
    PlaceCamera(style, scene_time, &camera);
    traffic.Step(style, dt, camera.z, speed, &rng);
  }

  SceneStyle style;
  Camera camera;
  Camera prev;
  synth::Traffic traffic;
  Rng rng;
  FrameBuffers buffers;
  std::vector<uint32_t> prev_ids;
  std::vector<synth::Billboard> objects;
  std::vector<uint8_t> scratch;
  int index = 0;
  int scene = 0;
  double scene_time = 0;
  bool failed = false;
};

absl::StatusOr<std::unique_ptr<SynthScene>> SynthScene::Create(
    const SynthOptions& options) {
  absl::Status valid = Validate(options);
  if (!valid.ok()) return valid;
  auto state = std::make_unique<State>(options.seed);
  Camera& cam = state->camera;
  cam.focal = 0.78 * options.width;  // about 65 degrees across
  cam.cx = 0.5 * (options.width - 1);
  cam.horizon = 0.45 * options.height;
  return std::unique_ptr<SynthScene>(new SynthScene(options, std::move(state)));
}

SynthScene::SynthScene(const SynthOptions& options,
                       std::unique_ptr<State> state)
    : options_(options), state_(std::move(state)) {}

SynthScene::~SynthScene() = default;

absl::StatusOr<SynthFrame> SynthScene::Next() {
  State& s = *state_;
  if (s.failed) {
    return absl::FailedPreconditionError(
        "an earlier frame failed; the scene cannot continue");
  }
  if (s.index >= options_.frames) {
    return absl::OutOfRangeError(
        absl::StrFormat("all %d frames have been generated", options_.frames));
  }
  const int w = options_.width;
  const int h = options_.height;
  const bool cut = s.index == 0 || (options_.scene_cut_every > 0 &&
                                    s.index % options_.scene_cut_every == 0);
  SynthFrame frame;
  try {
    s.Advance(cut, 1.0 / options_.fps, options_.seed);
    FrameBuffers& buf = s.buffers;
    buf.Resize(w, h);
    synth::RenderBackground(s.style, s.camera, s.prev, s.index, &buf);
    s.objects.clear();
    synth::AddStreetFurniture(s.style, s.camera, &s.objects);
    s.traffic.Append(&s.objects);
    synth::RenderObjects(s.style, s.camera, s.prev, &s.objects, &buf);

    frame.occlusion = Image::Create(w, h, 1);
    if (cut) {
      std::fill(buf.flow.begin(), buf.flow.end(), 0.0f);
      std::fill(frame.occlusion.pixels.begin(), frame.occlusion.pixels.end(),
                1);
    } else {
      MarkOcclusion(buf, s.prev_ids, frame.occlusion.pixels.data());
    }
    Soften(w, h, &buf.rgb, &s.scratch);
    LightAndNoise(
        s.style, s.scene_time,
        synth::Mix32(SceneSeed(options_.seed, -1) ^ synth::Mix32(s.index)),
        &buf.rgb);

    frame.index = s.index;
    frame.scene_cut = cut;
    frame.image = Image{w, h, 3, std::move(buf.rgb)};
    frame.labels = LabelMap{w, h, 1, std::move(buf.labels)};
    frame.flow = std::move(buf.flow);
    std::swap(s.prev_ids, buf.ids);
  } catch (const std::bad_alloc&) {
    s.failed = true;
    return absl::ResourceExhaustedError(
        absl::StrFormat("out of memory generating a %dx%d frame", w, h));
  } catch (const std::exception& e) {
    s.failed = true;
    return absl::InternalError(
        absl::StrFormat("generating frame %d failed: %s", s.index, e.what()));
  }
  ++s.index;
  return frame;
}

}  // namespace tessera::tools
