#include "tools/synth_world.h"

#include <algorithm>
#include <cmath>

#include "tools/synth_surfaces.h"

namespace tessera::tools::synth {
namespace {

// Points closer than this to the previous camera cannot have been seen by
// it; clamping keeps their flow finite (it then points out of the frame).
constexpr double kMinDepth = 0.05;
constexpr double kSkyDepth = 1e9;

// Where one pixel column's ray meets a vertical side plane (a facade or a
// fence). Along such a plane the depth is the same for the whole column.
struct PlaneHit {
  bool valid = false;
  double zr = 0;  // depth from the camera
  double zw = 0;  // world Z
  FacadeCell cell;
  double top = -1;      // the plane is solid for 0 <= Y < top
  double px_along = 0;  // metres along Z per pixel
  double prev_i = 0;    // column of this point in the previous frame
  double prev_zr = 1;   // its depth from the previous camera
};

struct Column {
  int side = 0;
  PlaneHit fence;
  PlaneHit facade;
};

PlaneHit HitPlane(const SceneStyle& style, const Camera& cam,
                  const Camera& prev, int side, double plane_x, double xc) {
  PlaneHit hit;
  hit.zr = (plane_x - cam.x) * cam.focal / xc;
  if (!(hit.zr > 0)) return hit;
  hit.valid = true;
  hit.zw = cam.z + hit.zr;
  hit.cell = FacadeCellAt(style, side, hit.zw);
  hit.px_along = hit.zr * hit.zr / (cam.focal * std::abs(plane_x - cam.x));
  hit.prev_zr = std::max(hit.zw - prev.z, kMinDepth);
  hit.prev_i = prev.cx + prev.focal * (plane_x - prev.x) / hit.prev_zr;
  return hit;
}

std::vector<Column> CastColumns(const SceneStyle& style, const Camera& cam,
                                const Camera& prev, int width) {
  std::vector<Column> cols(width);
  for (int i = 0; i < width; ++i) {
    const double xc = i - cam.cx;
    if (xc == 0) continue;  // parallel to the side planes
    Column& col = cols[i];
    col.side = xc > 0 ? 1 : 0;
    const double sign = xc > 0 ? 1 : -1;
    const double facade_x = sign * style.facade[col.side];
    col.facade = HitPlane(style, cam, prev, col.side, facade_x, xc);
    col.fence = HitPlane(style, cam, prev, col.side,
                         facade_x - sign * style.fence_inset, xc);
    if (col.facade.valid) {
      col.facade.top = FacadeTop(col.facade.cell, col.facade.zw);
    }
    if (col.fence.valid && col.fence.cell.fence) {
      col.fence.top = col.fence.cell.fence_height;
    }
  }
  return cols;
}

uint8_t ToByte(float v) {
  return static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, v + 0.5f)));
}

}  // namespace

SceneStyle MakeSceneStyle(uint32_t seed) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 7);
  SceneStyle s;
  s.seed = seed;
  s.road_half = rng.Uniform(4.8, 5.4);
  s.edge_line = s.road_half - rng.Uniform(1.1, 1.5);
  s.lane_x = -rng.Uniform(1.7, 2.0);
  s.facade[0] = s.road_half + rng.Uniform(3.2, 6.0);
  s.facade[1] = s.road_half + rng.Uniform(3.2, 6.0);
  const double shade = rng.Uniform(0.7, 0.88);
  const bool sun_left = rng.Chance(0.5);
  s.side_light[0] = sun_left ? 1.0 : shade;
  s.side_light[1] = sun_left ? shade : 1.0;
  const double grey = rng.Uniform(70, 105);
  s.asphalt = {static_cast<float>(grey * rng.Uniform(0.95, 1.05)),
               static_cast<float>(grey),
               static_cast<float>(grey * rng.Uniform(0.97, 1.08))};
  s.paint = Jitter({226, 224, 212}, rng.Next32(), 0.05);
  const Rgbf pavements[] = {
      {152, 150, 144}, {176, 160, 134}, {164, 122, 106}, {124, 124, 120}};
  s.pavement = Jitter(pavements[rng.Next32() % 4], rng.Next32(), 0.06);
  s.kerb = Jitter({182, 180, 174}, rng.Next32(), 0.05);
  s.cloud_cover = rng.Uniform(0, 1);
  const Rgbf clear_top{static_cast<float>(rng.Uniform(55, 90)),
                       static_cast<float>(rng.Uniform(105, 140)),
                       static_cast<float>(rng.Uniform(185, 225))};
  const Rgbf grey_top = Jitter({160, 166, 176}, rng.Next32(), 0.06);
  s.sky_top = Mix(clear_top, grey_top, s.cloud_cover);
  s.sky_horizon =
      Mix(Jitter({188, 205, 226}, rng.Next32(), 0.04),
          Jitter({206, 208, 212}, rng.Next32(), 0.03), s.cloud_cover);
  s.cloud =
      Jitter({240, 240, 242}, rng.Next32(), 0.03) * (1 - 0.22 * s.cloud_cover);
  s.haze = s.sky_horizon;
  s.cloud_drift = rng.Uniform(0.1, 0.5) * (rng.Chance(0.5) ? 1 : -1);
  s.fog_distance = rng.Uniform(150, 400);
  s.ego_speed = rng.Uniform(6, 12);
  s.camera_height = rng.Uniform(1.2, 1.5);
  s.light_amp = rng.Uniform(0.05, 0.18);
  s.light_period = rng.Uniform(5, 14);
  s.light_phase = rng.Uniform(0, 6.2832);
  return s;
}

void FrameBuffers::Resize(int w, int h) {
  width = w;
  height = h;
  const size_t n = static_cast<size_t>(w) * h;
  rgb.assign(3 * n, 0);
  labels.assign(n, 0);
  flow.assign(2 * n, 0.0f);
  depth.assign(n, 0.0f);
  ids.assign(n, 0);
}

void FrameBuffers::Put(size_t p, Rgbf c, uint8_t label, uint32_t id, double d,
                       double fx, double fy) {
  rgb[3 * p] = ToByte(c.r);
  rgb[3 * p + 1] = ToByte(c.g);
  rgb[3 * p + 2] = ToByte(c.b);
  labels[p] = label;
  ids[p] = id;
  depth[p] = static_cast<float>(d);
  flow[2 * p] = static_cast<float>(fx);
  flow[2 * p + 1] = static_cast<float>(fy);
}

void RenderBackground(const SceneStyle& style, const Camera& cam,
                      const Camera& prev, int frame_index, FrameBuffers* out) {
  const int w = out->width;
  const int h = out->height;
  const double f = cam.focal;
  const std::vector<Column> cols = CastColumns(style, cam, prev, w);
  // Clouds drift at a fixed angular speed, hence a uniform sky flow.
  const double sky_drift = style.cloud_drift / 500.0 * frame_index;
  const double sky_flow = -style.cloud_drift / 500.0 * f;

  // Shades the pixel if the column's ray hits `hit` at this row.
  auto try_plane = [&](const PlaneHit& hit, bool fence, int i, int j, double yc,
                       size_t p, int side) {
    if (!hit.valid || hit.top <= 0) return false;
    const double y = cam.height - yc * hit.zr / f;
    if (y < 0 || y >= hit.top) return false;
    uint8_t label = kFence;
    Rgbf c = fence ? ShadeFence(style, side, hit.cell, hit.zw, y, hit.px_along)
                   : ShadeFacade(style, side, hit.cell, hit.zw, y, hit.px_along,
                                 &label);
    c = Mix(c, style.haze, FogAmount(style, hit.zr));
    const double pj =
        prev.horizon + prev.focal * (prev.height - y) / hit.prev_zr;
    out->Put(p, c, label, (fence ? kSurfaceFence : kSurfaceFacade) + side,
             hit.zr, hit.prev_i - i, pj - j);
    return true;
  };

  for (int j = 0; j < h; ++j) {
    const double yc = j - cam.horizon;
    // The ground's depth is the same along a row.
    const double zg = yc > 0 ? cam.height * f / yc : 0;
    const double prev_zg = std::max(cam.z + zg - prev.z, kMinDepth);
    const double prev_j = prev.horizon + prev.focal * prev.height / prev_zg;
    const double px_x = zg / f;
    const double px_z = zg * zg / (f * cam.height);
    const double ground_fog = FogAmount(style, zg);
    for (int i = 0; i < w; ++i) {
      const size_t p = out->Index(i, j);
      const Column& col = cols[i];
      if (try_plane(col.fence, true, i, j, yc, p, col.side)) continue;
      if (try_plane(col.facade, false, i, j, yc, p, col.side)) continue;
      if (yc > 0) {
        const double x = cam.x + (i - cam.cx) * px_x;
        uint8_t label = kRoad;
        Rgbf c = ShadeGround(style, x, cam.z + zg, px_x, px_z, &label);
        c = Mix(c, style.haze, ground_fog);
        const double pi = prev.cx + prev.focal * (x - prev.x) / prev_zg;
        out->Put(p, c, label, kSurfaceGround, zg, pi - i, prev_j - j);
        continue;
      }
      const Rgbf c =
          ShadeSky(style, (i - cam.cx) / f, (cam.horizon - j) / f, sky_drift);
      out->Put(p, c, kSky, kSurfaceSky, kSkyDepth, sky_flow, 0);
    }
  }
}

}  // namespace tessera::tools::synth
