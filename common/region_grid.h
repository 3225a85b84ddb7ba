// Region geometry: how a frame is cut into an R x C grid of regions, each
// grown by a halo into its neighbours and clipped at the frame border.
//
// A region's *core* is its own share of the frame (the cores tile the frame
// exactly); its *area* is the core grown by `halo` pixels on every side that
// has a neighbour, i.e. what a worker actually segments. DVSNet's layout
// (1024x2048, 2x2, 64 px) gives areas rows 0-576 / 448-1024 and columns
// 0-1088 / 960-2048:
//
//   ASSIGN_OR_RETURN(std::vector<Region> regions,
//                    MakeRegionGrid({2048, 1024}, {.rows = 2, .cols = 2,
//                                                  .halo = 64}));
#ifndef TESSERA_COMMON_REGION_GRID_H_
#define TESSERA_COMMON_REGION_GRID_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera {

struct GridSpec {
  int rows = 2;
  int cols = 2;
  int halo = 0;
  std::string ToString() const;
};

struct Region {
  int id = 0;  // row-major: row * cols + col
  int row = 0;
  int col = 0;
  Rect core;
  Rect area;

  // The core in the area's own pixels: the part of a worker's region that
  // crop-halo stitching keeps.
  Rect CoreInArea() const {
    return {core.x - area.x, core.y - area.y, core.width, core.height};
  }
};

// Cores split the frame as evenly as integers allow (sizes differ by at most
// one pixel). Fails with INVALID_ARGUMENT for a non-positive frame size or
// grid, a negative halo, or more rows/columns than pixels.
absl::StatusOr<std::vector<Region>> MakeRegionGrid(Size frame, GridSpec spec);

}  // namespace tessera

#endif  // TESSERA_COMMON_REGION_GRID_H_
