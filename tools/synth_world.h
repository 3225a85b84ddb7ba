// The static street of a synthetic scene: sky, a ground plane (road, lane
// marks, zebra crossings, kerbs, pavement), a facade plane on each side
// (buildings with windows, hedges) and low fences in front of it. Each pixel
// is ray-cast against these planes, so it knows the exact world point it
// shows and hence, with the previous camera, its exact backward flow.
//
//   SceneStyle style = MakeSceneStyle(seed);
//   RenderBackground(style, camera, prev_camera, frame_index, &buffers);
//
// World frame: metres, X right, Y up, Z forward along the road; the road
// centre line is X = 0 and traffic keeps left (as in CamVid's Cambridge).
#ifndef TESSERA_TOOLS_SYNTH_WORLD_H_
#define TESSERA_TOOLS_SYNTH_WORLD_H_

#include <cstdint>
#include <vector>

#include "tools/synth_noise.h"

namespace tessera::tools::synth {

// CamVid's 11 class ids.
enum Label : uint8_t {
  kSky = 0,
  kBuilding = 1,
  kPole = 2,
  kRoad = 3,
  kPavement = 4,
  kTree = 5,
  kSignSymbol = 6,
  kFence = 7,
  kCar = 8,
  kPedestrian = 9,
  kBicyclist = 10,
};

// Ids of the background surfaces in FrameBuffers::ids. Objects use ids with
// a high bit set (see synth_objects.h). Two pixels with one id lie on one
// plane, which is what makes the occlusion test exact.
enum SurfaceId : uint32_t {
  kSurfaceSky = 1,
  kSurfaceGround = 2,
  kSurfaceFacade = 3,  // + side (0 left, 1 right)
  kSurfaceFence = 5,   // + side
};

// A pinhole camera looking along +Z without rotation. Pixel (i, j) has its
// centre at (i, j); `cx` and `horizon` are the principal point.
struct Camera {
  double x = 0;
  double z = 0;
  double height = 1.3;
  double focal = 500;
  double cx = 0;
  double horizon = 0;
};

// Per-scene look and layout; a scene cut draws a new one.
struct SceneStyle {
  uint32_t seed = 0;
  double road_half = 5.0;     // kerb at |X| = road_half
  double lane_x = -1.9;       // centre of the ego lane
  double edge_line = 3.6;     // solid edge lines at |X| = edge_line
  double facade[2] = {9, 9};  // |X| of the facade plane, left and right
  double fence_inset = 0.5;   // fences stand this far in front of facades
  double side_light[2] = {1, 0.8};
  Rgbf asphalt, paint, pavement, kerb, sky_top, sky_horizon, cloud, haze;
  double cloud_cover = 0.5;  // 0 clear .. 1 overcast
  double cloud_drift = 0.2;  // pixels per frame at 640 px width
  double fog_distance = 250;
  double ego_speed = 9;  // m/s
  double camera_height = 1.3;
  double light_amp = 0.1;   // relative amplitude of the lighting change
  double light_period = 8;  // seconds
  double light_phase = 0;
};

SceneStyle MakeSceneStyle(uint32_t seed);

// One frame being drawn. Colours are RGB, flow is backward (x, y) per pixel,
// depth is the Z distance from the camera of what each pixel shows.
struct FrameBuffers {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
  std::vector<uint8_t> labels;
  std::vector<float> flow;
  std::vector<float> depth;
  std::vector<uint32_t> ids;

  void Resize(int w, int h);
  size_t Index(int i, int j) const {
    return static_cast<size_t>(j) * width + i;
  }
  // Writes one shaded pixel with its flow.
  void Put(size_t p, Rgbf c, uint8_t label, uint32_t id, double d, double fx,
           double fy);
};

// Fog: how much of the haze colour a surface at `distance` shows.
inline double FogAmount(const SceneStyle& style, double distance) {
  return distance / (distance + style.fog_distance);
}

// Draws every pixel of `out` (which must be sized already).
void RenderBackground(const SceneStyle& style, const Camera& camera,
                      const Camera& prev, int frame_index, FrameBuffers* out);

}  // namespace tessera::tools::synth

#endif  // TESSERA_TOOLS_SYNTH_WORLD_H_
