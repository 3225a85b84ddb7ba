#include "tools/synth_objects.h"

#include <algorithm>
#include <cmath>

namespace tessera::tools::synth {
namespace {

constexpr double kFurnitureCell = 9.0;  // metres of street per hash cell
constexpr double kMinDepth = 0.05;

uint32_t StaticId(ObjectKind kind, int side, int64_t cell) {
  return kStaticIdBit | (static_cast<uint32_t>(kind) << 24) |
         (static_cast<uint32_t>(side) << 23) |
         (static_cast<uint32_t>(cell) & 0x7FFFFF);
}

Billboard Static(ObjectKind kind, int side, int64_t cell, uint32_t style,
                 double x, double z, double width, double height) {
  Billboard b;
  b.id = StaticId(kind, side, cell);
  b.kind = kind;
  b.style = style;
  b.x = b.prev_x = x;
  b.z = b.prev_z = z;
  b.width = width;
  b.height = height;
  return b;
}

}  // namespace

void AddStreetFurniture(const SceneStyle& style, const Camera& camera,
                        std::vector<Billboard>* objects) {
  const auto first = static_cast<int64_t>(
      std::floor((camera.z + kNearDepth - 12) / kFurnitureCell));
  const auto last =
      static_cast<int64_t>(std::floor((camera.z + kFarDepth) / kFurnitureCell));
  for (int64_t k = first; k <= last; ++k) {
    const double z0 = k * kFurnitureCell;
    for (int side = 0; side < 2; ++side) {
      const double sign = side == 1 ? 1 : -1;
      const uint32_t h = HashCell(k, side + 31, style.seed);
      const double kerb = style.road_half;
      const double walk = style.facade[side] - style.fence_inset - kerb;
      if (Unit(HashProp(h, 1)) < 0.45) {
        objects->push_back(Static(ObjectKind::kLampPost, side, k,
                                  HashProp(h, 2), sign * (kerb + 0.45),
                                  z0 + Range(HashProp(h, 3), 0, 3), 1.8,
                                  Range(HashProp(h, 4), 6, 8.5)));
      }
      if (Unit(HashProp(h, 5)) < 0.3) {
        Billboard post =
            Static(ObjectKind::kSignPost, side, k, HashProp(h, 6),
                   sign * (kerb + 0.6), z0 + Range(HashProp(h, 7), 3.5, 5.5),
                   1.0, Range(HashProp(h, 8), 2.6, 3.2));
        post.variant = HashProp(h, 18) % 5;  // which sign
        objects->push_back(post);
      }
      if (walk > 2.6 && Unit(HashProp(h, 9)) < 0.35) {
        const double width =
            Range(HashProp(h, 10), 2.4, std::min(4.2, 2 * walk - 1.0));
        objects->push_back(Static(ObjectKind::kTree, side, k, HashProp(h, 11),
                                  sign * (kerb + std::min(0.6 * walk, 2.4)),
                                  z0 + Range(HashProp(h, 12), 6.0, 8.5), width,
                                  Range(HashProp(h, 13), 5, 8.5)));
      }
      // Cars park on the far kerb, facing the oncoming traffic's way.
      if (side == 1 && Unit(HashProp(h, 14)) < 0.25) {
        objects->push_back(Static(ObjectKind::kCarFront, side, k,
                                  HashProp(h, 15), kerb - 0.95,
                                  z0 + Range(HashProp(h, 16), 0.5, 7), 1.8,
                                  Range(HashProp(h, 17), 1.4, 1.55)));
      }
    }
  }
}

void RenderObjects(const SceneStyle& style, const Camera& cam,
                   const Camera& prev, std::vector<Billboard>* objects,
                   FrameBuffers* out) {
  // Painter's order; ties broken by id so the output never depends on the
  // order objects were added in.
  std::sort(objects->begin(), objects->end(),
            [](const Billboard& a, const Billboard& b) {
              return a.z != b.z ? a.z > b.z : a.id < b.id;
            });
  const int w = out->width;
  const int h = out->height;
  for (const Billboard& b : *objects) {
    const double depth = b.z - cam.z;
    if (depth < kNearDepth || depth > kFarDepth) continue;
    const double s = cam.focal / depth;  // pixels per metre
    const double left = cam.cx + (b.x - 0.5 * b.width - cam.x) * s;
    const double right = left + b.width * s;
    const double bottom = cam.horizon + (cam.height - b.y) * s;
    const double top = bottom - b.height * s;
    const int i0 = std::max(0, static_cast<int>(std::ceil(left)));
    const int i1 = std::min(w - 1, static_cast<int>(std::floor(right)));
    const int j0 = std::max(0, static_cast<int>(std::ceil(top)));
    const int j1 = std::min(h - 1, static_cast<int>(std::floor(bottom)));
    if (i0 > i1 || j0 > j1) continue;
    // The same object point one frame earlier, for the backward flow.
    const double prev_s = prev.focal / std::max(b.prev_z - prev.z, kMinDepth);
    const ObjectLook look = MakeLook(b);
    const double fog = FogAmount(style, depth);
    const auto depth_f = static_cast<float>(depth);
    for (int j = j0; j <= j1; ++j) {
      const double v = cam.height - (j - cam.horizon) / s - b.y;
      const double pj = prev.horizon + (prev.height - b.prev_y - v) * prev_s;
      for (int i = i0; i <= i1; ++i) {
        const size_t p = out->Index(i, j);
        if (depth_f >= out->depth[p]) continue;
        const double u = (i - cam.cx) / s + cam.x - b.x;
        Rgbf c;
        uint8_t label = 0;
        if (!ShadeObject(b, look, u, v, 1.0 / s, &c, &label)) {
          // The road under a vehicle lies in its shadow: darker, but
          // still road with the road's flow.
          if (out->ids[p] == kSurfaceGround && InShadowOf(b, u, v)) {
            for (int k = 0; k < 3; ++k) out->rgb[3 * p + k] /= 2;
          }
          continue;
        }
        const double pi = prev.cx + (b.prev_x + u - prev.x) * prev_s;
        out->Put(p, Mix(c, style.haze, fog), label, b.id, depth, pi - i,
                 pj - j);
      }
    }
  }
}

}  // namespace tessera::tools::synth
