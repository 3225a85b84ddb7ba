#include "tools/synth_surfaces.h"

#include <algorithm>
#include <cmath>

namespace tessera::tools::synth {
namespace {

constexpr double kCellLength = 14;  // mean length of a facade stretch

// Cell boundaries are jittered by less than half a cell, so the cell of a
// point is the nominal one or a neighbour.
double CellStart(const SceneStyle& style, int side, int64_t k) {
  return k * kCellLength +
         Range(HashCell(k, side + 101, style.seed), -4.0, 4.0);
}

// Positive remainder of v / m.
double Mod(double v, double m) {
  return v - m * static_cast<double>(FloorToInt(v / m));
}

// Distance from v to the nearest multiple of `period`.
double DistToGrid(double v, double period) {
  return std::abs(Mod(v + 0.5 * period, period) - 0.5 * period);
}

const Rgbf kWalls[] = {{150, 72, 55},   {188, 168, 128}, {214, 204, 180},
                       {138, 136, 132}, {224, 222, 214}, {104, 58, 46},
                       {196, 176, 112}, {118, 128, 142}, {170, 110, 80}};
const Rgbf kHedges[] = {
    {46, 78, 36}, {64, 96, 44}, {38, 64, 40}, {78, 102, 52}};
const Rgbf kFences[] = {
    {118, 84, 54}, {212, 210, 200}, {42, 72, 52}, {92, 92, 96}};
const Rgbf kShopSigns[] = {
    {170, 30, 36}, {30, 60, 140}, {30, 110, 60}, {220, 170, 40}, {40, 40, 44}};

template <typename T, size_t N>
const T& Pick(const T (&items)[N], uint32_t h) {
  return items[h % N];
}

Rgbf ShadeHedge(const SceneStyle& style, const FacadeCell& cell, double z,
                double y, double px_along) {
  const Rgbf green = Jitter(Pick(kHedges, cell.hash), cell.hash, 0.12);
  const double n = ValueNoise(z * 1.8, y * 1.8, cell.hash);
  const double fine = Clamp01(1.0 - px_along / 0.25);
  const double leaves =
      fine > 0 ? (ValueNoise(z * 7, y * 7, cell.hash + 1) - 0.5) * fine : 0;
  return green *
         ((0.55 + 0.7 * n + 0.5 * leaves) * (0.7 + 0.3 * Clamp01(y / 2.5)));
}

Rgbf ShadeBuilding(const SceneStyle& style, const FacadeCell& cell, double z,
                   double y, double px_along) {
  const uint32_t h = cell.hash;
  const Rgbf wall = Jitter(Pick(kWalls, HashProp(h, 10)), h, 0.08);
  const double a = z - cell.z0;
  const double width = cell.z1 - cell.z0;
  Rgbf c = wall * (0.88 + 0.24 * ValueNoise(a * 1.2, y * 1.2, h));
  if (y > cell.height - 0.45) return c * 0.72;  // cornice
  const double floor_h = Range(HashProp(h, 11), 2.8, 3.5);
  const double spacing = Range(HashProp(h, 12), 1.9, 3.2);
  const double margin = 0.8;
  const Rgbf glass = Mix(Rgbf{38, 46, 58}, style.sky_horizon,
                         Range(HashProp(h, 13), 0.15, 0.45));
  const bool shop = Unit(HashProp(h, 14)) < 0.5;
  bool in_window = false;
  double window_v = 0;  // 0 at the window's bottom, 1 at its top
  Rgbf frame =
      Unit(HashProp(h, 15)) < 0.5 ? Rgbf{225, 225, 220} : Rgbf{60, 56, 52};
  if (y < floor_h) {
    if (shop && y > floor_h - 0.6 && y < floor_h - 0.12) {
      return Jitter(Pick(kShopSigns, HashProp(h, 16)), h, 0.1);
    }
    if (y < 0.45) return c * 0.8;  // plinth
    if (shop && y < floor_h - 0.8 && a > 0.5 && a < width - 0.5 &&
        DistToGrid(a, 4.0) > 0.3) {
      in_window = true;
      window_v = (y - 0.45) / (floor_h - 1.25);
    }
  } else if (a > margin && a < width - margin) {
    const double fy = Mod(y, floor_h) / floor_h;
    const double fu = Mod(a - margin, spacing) / spacing;
    if (fy > 0.28 && fy < 0.78 && fu > 0.22 && fu < 0.78) {
      in_window = true;
      window_v = (fy - 0.28) / 0.5;
      const double edge = std::min(std::min(fu - 0.22, 0.78 - fu) * spacing,
                                   std::min(fy - 0.28, 0.78 - fy) * floor_h);
      if (edge < 0.07) {
        in_window = false;
        c = frame;
      }
    }
  }
  if (in_window) {
    const uint32_t wh = HashCell(static_cast<int64_t>(a / spacing),
                                 static_cast<int64_t>(y / floor_h), h);
    c = glass * (0.75 + 0.6 * window_v) * Range(wh, 0.7, 1.25);
    if (Unit(HashProp(wh, 1)) < 0.05) c = Rgbf{230, 205, 150};  // lamp on
  }
  // Where a pixel spans whole windows, show their average instead of moire.
  const double lod = Clamp01((px_along - 0.3) / 0.9);
  if (lod > 0 && y > floor_h) c = Mix(c, Mix(wall, glass, 0.3), lod);
  return c;
}

}  // namespace

FacadeCell FacadeCellAt(const SceneStyle& style, int side, double z) {
  FacadeCell cell;
  int64_t k = static_cast<int64_t>(std::floor(z / kCellLength));
  if (z < CellStart(style, side, k)) {
    --k;
  } else if (z >= CellStart(style, side, k + 1)) {
    ++k;
  }
  cell.index = k;
  cell.z0 = CellStart(style, side, k);
  cell.z1 = CellStart(style, side, k + 1);
  const uint32_t h = HashCell(k, side + 7, style.seed);
  cell.hash = h;
  cell.building = Unit(HashProp(h, 1)) < 0.68;
  cell.height = cell.building ? Range(HashProp(h, 2), 6, 22)
                              : Range(HashProp(h, 2), 3, 6.5);
  cell.fence = Unit(HashProp(h, 3)) < (cell.building ? 0.12 : 0.8);
  cell.fence_height = Range(HashProp(h, 4), 0.9, 1.5);
  return cell;
}

double FacadeTop(const FacadeCell& cell, double z) {
  if (cell.building) return cell.height;
  return cell.height + 2.2 * (ValueNoise(z * 0.45, 0.5, cell.hash) - 0.5) +
         1.0 * (ValueNoise(z * 1.7, 3.5, cell.hash) - 0.5);
}

double LineCover(double d, double half_width, double px) {
  const double lo = std::max(d - 0.5 * px, -half_width);
  const double hi = std::min(d + 0.5 * px, half_width);
  return hi > lo ? (hi - lo) / px : 0.0;
}

Rgbf ShadeSky(const SceneStyle& style, double a, double e, double drift) {
  const double t = Clamp01(e / 0.5);
  const Rgbf base = Mix(style.sky_horizon, style.sky_top, t * (2 - t));
  const double u = a - drift;
  const double v = std::max(e, 0.0);
  const double n = 0.65 * ValueNoise(u * 4, v * 14, style.seed + 21) +
                   0.35 * ValueNoise(u * 11, v * 33, style.seed + 22);
  const double lo = 0.9 - 0.6 * style.cloud_cover;
  const double cloud = Clamp01((n - lo) / 0.3);
  return Mix(base, style.cloud * (0.8 + 0.3 * n), cloud * 0.9);
}

Rgbf ShadeGround(const SceneStyle& style, double x, double z, double px_x,
                 double px_z, uint8_t* label) {
  const double ax = std::abs(x);
  const double px = std::max(px_x, px_z);
  const double fine = Clamp01(1.0 - px / 0.08);
  const double n = ValueNoise(x * 0.7, z * 0.35, style.seed + 11);
  if (ax < style.road_half) {
    *label = kRoad;
    Rgbf c = style.asphalt * (0.8 + 0.4 * n);
    if (std::abs(std::abs(ax + style.lane_x) - 0.75) < 0.3) c = c * 0.9;
    if (fine > 0) {
      c = Lift(c, (Grain(x * 25, z * 25, style.seed + 12) - 0.5) * 24 * fine);
    }
    // Lane marks are paint on the road, so they stay class Road.
    double cover = LineCover(std::abs(ax - style.edge_line), 0.07, px_x);
    if (Mod(z, 9.0) < 3.5) cover = std::max(cover, LineCover(ax, 0.06, px_x));
    const auto block = static_cast<int64_t>(std::floor(z / 80));
    const uint32_t zh = HashCell(block, 3, style.seed);
    const double z0 = block * 80.0 + Range(HashProp(zh, 1), 10, 60);
    if (Unit(zh) < 0.35 && z >= z0 && z < z0 + 3.2 && ax < style.edge_line) {
      cover = std::max(
          cover, px_x > 0.5 ? 0.5 : (Mod(x + 0.25, 1.0) < 0.5 ? 1.0 : 0.0));
    }
    if (cover > 0) c = Mix(c, style.paint * (0.85 + 0.25 * n), cover);
    return c;
  }
  *label = kPavement;
  if (ax < style.road_half + 0.3) {  // kerb stones
    Rgbf c = style.kerb * (0.9 + 0.15 * n);
    return c * (1 - 0.3 * LineCover(DistToGrid(z, 0.9), 0.015, px_z));
  }
  const double slab = Clamp01(1.0 - px / 0.5);
  Rgbf c = style.pavement * (0.86 + 0.2 * n);
  if (slab > 0) {
    c = c *
        (1 + 0.14 * slab * (Grain(x / 0.6, z / 0.6, style.seed + 13) - 0.5));
    const double joint = std::max(LineCover(DistToGrid(x, 0.6), 0.012, px_x),
                                  LineCover(DistToGrid(z, 0.6), 0.012, px_z));
    c = c * (1 - 0.35 * joint);
  }
  if (fine > 0) {
    c = Lift(c, (Grain(x * 30, z * 30, style.seed + 14) - 0.5) * 14 * fine);
  }
  return c;
}

Rgbf ShadeFacade(const SceneStyle& style, int side, const FacadeCell& cell,
                 double z, double y, double px_along, uint8_t* label) {
  *label = cell.building ? kBuilding : kTree;
  const Rgbf c = cell.building ? ShadeBuilding(style, cell, z, y, px_along)
                               : ShadeHedge(style, cell, z, y, px_along);
  return c * style.side_light[side];
}

Rgbf ShadeFence(const SceneStyle& style, int side, const FacadeCell& cell,
                double z, double y, double px_along) {
  const uint32_t h = HashProp(cell.hash, 20);
  const Rgbf paint = Jitter(Pick(kFences, h), h, 0.08);
  Rgbf c = paint * (0.85 + 0.3 * ValueNoise(z * 3, y * 3, h));
  c = c * (1 - 0.45 * LineCover(DistToGrid(z, 0.15), 0.012, px_along));
  if (y > cell.fence_height - 0.1) c = c * 1.15;  // top rail
  return c * style.side_light[side];
}

}  // namespace tessera::tools::synth
