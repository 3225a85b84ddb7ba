#include "common/region_grid.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace tessera {
namespace {

// Start of band `i` of `count` equal bands over `length` pixels.
int BandStart(int i, int count, int length) {
  return static_cast<int>(static_cast<long long>(i) * length / count);
}

}  // namespace

std::string GridSpec::ToString() const {
  return absl::StrFormat("%dx%d grid, halo %d", rows, cols, halo);
}

absl::StatusOr<std::vector<Region>> MakeRegionGrid(Size frame, GridSpec spec) {
  if (frame.width <= 0 || frame.height <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "frame size %dx%d is not positive", frame.width, frame.height));
  }
  if (spec.rows <= 0 || spec.cols <= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("grid %dx%d must have at least one row and column",
                        spec.rows, spec.cols));
  }
  if (spec.halo < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("halo %d is negative", spec.halo));
  }
  if (spec.rows > frame.height || spec.cols > frame.width) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "grid %dx%d has more cells than the %dx%d frame has pixels", spec.rows,
        spec.cols, frame.width, frame.height));
  }
  std::vector<Region> regions;
  regions.reserve(static_cast<size_t>(spec.rows) * spec.cols);
  for (int r = 0; r < spec.rows; ++r) {
    const int y0 = BandStart(r, spec.rows, frame.height);
    const int y1 = BandStart(r + 1, spec.rows, frame.height);
    for (int c = 0; c < spec.cols; ++c) {
      const int x0 = BandStart(c, spec.cols, frame.width);
      const int x1 = BandStart(c + 1, spec.cols, frame.width);
      Region region;
      region.id = r * spec.cols + c;
      region.row = r;
      region.col = c;
      region.core = {x0, y0, x1 - x0, y1 - y0};
      // 64-bit: a huge halo must clip, not overflow.
      const long long halo = spec.halo;
      const int ax0 = static_cast<int>(std::max(0LL, x0 - halo));
      const int ay0 = static_cast<int>(std::max(0LL, y0 - halo));
      const int ax1 =
          static_cast<int>(std::min<long long>(frame.width, x1 + halo));
      const int ay1 =
          static_cast<int>(std::min<long long>(frame.height, y1 + halo));
      region.area = {ax0, ay0, ax1 - ax0, ay1 - ay0};
      regions.push_back(region);
    }
  }
  return regions;
}

}  // namespace tessera
