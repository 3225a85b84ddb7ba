#include "common/region_grid.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

TEST(RegionGridTest, ReproducesTheDvsNetLayout) {
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid({2048, 1024}, {.rows = 2, .cols = 2, .halo = 64});
  ASSERT_TRUE(regions.ok()) << regions.status();
  ASSERT_EQ(regions->size(), 4u);
  // Rows 0-576 / 448-1024, columns 0-1088 / 960-2048: four 576x1088 regions.
  EXPECT_EQ((*regions)[0].area, (Rect{0, 0, 1088, 576}));
  EXPECT_EQ((*regions)[1].area, (Rect{960, 0, 1088, 576}));
  EXPECT_EQ((*regions)[2].area, (Rect{0, 448, 1088, 576}));
  EXPECT_EQ((*regions)[3].area, (Rect{960, 448, 1088, 576}));
  EXPECT_EQ((*regions)[3].core, (Rect{1024, 512, 1024, 512}));
}

TEST(RegionGridTest, CoresTileEveryFrameExactlyOnce) {
  for (int width : {1, 7, 64, 641}) {
    for (int height : {1, 5, 360, 479}) {
      for (int rows : {1, 2, 3}) {
        for (int cols : {1, 2, 5}) {
          if (rows > height || cols > width) continue;
          absl::StatusOr<std::vector<Region>> regions =
              MakeRegionGrid({width, height}, {rows, cols, 13});
          ASSERT_TRUE(regions.ok()) << regions.status();
          std::vector<int> covered(static_cast<size_t>(width) * height, 0);
          for (const Region& region : *regions) {
            // Areas stay inside the frame and contain their cores.
            EXPECT_GE(region.area.x, 0);
            EXPECT_GE(region.area.y, 0);
            EXPECT_LE(region.area.right(), width);
            EXPECT_LE(region.area.bottom(), height);
            EXPECT_LE(region.area.x, region.core.x);
            EXPECT_GE(region.area.right(), region.core.right());
            for (int y = region.core.y; y < region.core.bottom(); ++y) {
              for (int x = region.core.x; x < region.core.right(); ++x) {
                ++covered[static_cast<size_t>(y) * width + x];
              }
            }
          }
          for (int count : covered) ASSERT_EQ(count, 1);
        }
      }
    }
  }
}

TEST(RegionGridTest, HaloIsClippedAtTheBorder) {
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid({100, 50}, {.rows = 1, .cols = 2, .halo = 500});
  ASSERT_TRUE(regions.ok());
  EXPECT_EQ((*regions)[0].area, (Rect{0, 0, 100, 50}));
  EXPECT_EQ((*regions)[1].area, (Rect{0, 0, 100, 50}));
}

TEST(RegionGridTest, AHugeHaloClipsInsteadOfOverflowing) {
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid({640, 480}, {.rows = 2, .cols = 2, .halo = 2147483647});
  ASSERT_TRUE(regions.ok());
  for (const Region& region : *regions) {
    EXPECT_EQ(region.area, (Rect{0, 0, 640, 480}));
  }
}

TEST(RegionGridTest, RejectsImpossibleGrids) {
  absl::StatusOr<std::vector<Region>> r = MakeRegionGrid({0, 10}, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("0x10 is not positive"));

  r = MakeRegionGrid({10, 10}, {.rows = 0, .cols = 2, .halo = 0});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("at least one row"));

  r = MakeRegionGrid({10, 10}, {.rows = 1, .cols = 1, .halo = -1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("halo -1 is negative"));

  r = MakeRegionGrid({3, 10}, {.rows = 1, .cols = 4, .halo = 0});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("more cells than"));
}

}  // namespace
}  // namespace tessera
