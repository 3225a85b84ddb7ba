#include "worker/flow_window.h"

#include <algorithm>
#include <cstring>

namespace tessera::worker {

Rect FlowWindow(Size region, const Rect& stitched, int margin) {
  const Rect whole{0, 0, region.width, region.height};
  if (margin < 0 || stitched.width <= 0 || stitched.height <= 0) return whole;
  const int x0 = std::max(0, stitched.x - margin);
  const int y0 = std::max(0, stitched.y - margin);
  const int x1 = std::min(region.width, stitched.right() + margin);
  const int y1 = std::min(region.height, stitched.bottom() + margin);
  if (x1 <= x0 || y1 <= y0) return whole;
  return {x0, y0, x1 - x0, y1 - y0};
}

bool CoversWhole(const Rect& window, Size size) {
  return window == Rect{0, 0, size.width, size.height};
}

Image PasteWindow(const Image& base, const Image& part, const Rect& window) {
  Image out = base;
  const size_t offset = static_cast<size_t>(window.x) * base.channels;
  for (int y = 0; y < window.height; ++y) {
    std::memcpy(out.row(window.y + y) + offset, part.row(y), part.row_bytes());
  }
  return out;
}

}  // namespace tessera::worker
