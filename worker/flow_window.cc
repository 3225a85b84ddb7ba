#include "worker/flow_window.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_format.h"
#include "common/split_stitch.h"

namespace tessera::worker {

Rect FlowWindow(Size region, const Rect& stitched, int margin) {
  const Rect whole{0, 0, region.width, region.height};
  if (margin < 0 || stitched.width <= 0 || stitched.height <= 0) return whole;
  // In 64 bits: neither a malformed task nor a large margin may overflow.
  const int64_t x0 = std::max<int64_t>(0, int64_t{stitched.x} - margin);
  const int64_t y0 = std::max<int64_t>(0, int64_t{stitched.y} - margin);
  const int64_t x1 = std::min<int64_t>(
      region.width, int64_t{stitched.x} + stitched.width + margin);
  const int64_t y1 = std::min<int64_t>(
      region.height, int64_t{stitched.y} + stitched.height + margin);
  if (x1 <= x0 || y1 <= y0) return whole;
  return {static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
          static_cast<int>(y1 - y0)};
}

bool CoversWhole(const Rect& window, Size size) {
  return window == Rect{0, 0, size.width, size.height};
}

bool InsideOf(const Rect& window, Size size) {
  return window.width > 0 && window.height > 0 && window.x >= 0 &&
         window.y >= 0 && window.width <= size.width - window.x &&
         window.height <= size.height - window.y;
}

const Image& InWindow(const Image& image, const Rect& window, Image& crop) {
  if (image.empty() || CoversWhole(window, image.size())) return image;
  crop = CropImage(image, window);
  return crop;
}

Image PasteWindow(const Image& base, const Image& part, const Rect& window) {
  Image out = base;
  if (out.empty()) return out;
  const size_t offset = static_cast<size_t>(window.x) * base.channels;
  for (int y = 0; y < window.height; ++y) {
    std::memcpy(out.row(window.y + y) + offset, part.row(y), part.row_bytes());
  }
  return out;
}

std::string DescribeFlowWindow(int margin) {
  return margin < 0
             ? std::string("whole regions")
             : absl::StrFormat(
                   "each region's stitched core and %d px around it", margin);
}

}  // namespace tessera::worker
