#include "common/thin_relocation.h"

#include <gtest/gtest.h>

#include <limits>

#include "common/guided_warp.h"

namespace tessera {
namespace {

constexpr uint8_t kBuilding = 1;
constexpr uint8_t kPole = 2;
constexpr uint8_t kSign = 6;
constexpr int kWidth = 96;
constexpr int kHeight = 48;

// A textured wall with a dark pole 3 pixels wide at column `pole_x` (none
// when negative) and a red sign 6x6 at column `sign_x` (none when
// negative); its labels, and a confidence of 200 on the objects, 100 on
// the wall.
struct Scene {
  Image image, labels, confidence;
};

Scene SceneWith(int pole_x, int sign_x = -1) {
  Scene scene{Image::Create(kWidth, kHeight, 3),
              Image::Create(kWidth, kHeight, 1),
              Image::Create(kWidth, kHeight, 1)};
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const bool pole =
          pole_x >= 0 && x >= pole_x && x < pole_x + 3 && y >= 4 && y < 44;
      const bool sign =
          sign_x >= 0 && x >= sign_x && x < sign_x + 6 && y >= 10 && y < 16;
      uint8_t* rgb = scene.image.at(x, y);
      const uint8_t wall = 150 + (x * 7 + y * 13) % 50;
      rgb[0] = pole ? 30 : sign ? 220 : wall;
      rgb[1] = pole ? 30 : sign ? 20 : wall - 20;
      rgb[2] = pole ? 40 : sign ? 20 : wall - 40;
      *scene.labels.at(x, y) = pole ? kPole : sign ? kSign : kBuilding;
      *scene.confidence.at(x, y) = pole || sign ? 200 : 100;
    }
  }
  return scene;
}

GuidedWarpOptions Relocating(std::vector<uint8_t> labels) {
  GuidedWarpOptions options;
  options.relocation.labels = std::move(labels);
  return options;
}

// The flow a fast estimator gives here: the wall did not move, and the
// thin pole is too small to pull the flow along with it.
const FlowField kStill = FlowField::Zero(kWidth, kHeight);

TEST(ThinRelocationTest, MovesAPoleTheFlowLeftBehind) {
  const Scene key = SceneWith(30);
  const Scene current = SceneWith(44);  // 14 px right, beyond the radius

  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image, kStill, {});
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(*guided->labels.at(45, 20), kBuilding);  // the pole is lost

  guided = WarpLabelsGuided(key.image, key.labels, key.confidence,
                            current.image, kStill, Relocating({kPole}));
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(guided->labels.pixels, current.labels.pixels);
  EXPECT_EQ(guided->confidence.pixels, current.confidence.pixels);
}

TEST(ThinRelocationTest, SearchesAsFarAsTheWarpsFramesAllow) {
  // 14 px beyond the flow's place: further than one frame's search (8 px),
  // within two frames' (16).
  const Scene key = SceneWith(30);
  const Scene current = SceneWith(44);
  const GuidedWarpOptions options = Relocating({kPole});
  ASSERT_EQ(options.relocation.search_per_frame, 8);

  absl::StatusOr<GuidedWarp> one =
      WarpLabelsGuided(key.image, key.labels, key.confidence, current.image,
                       kStill, options.ForFrames(1));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one->labels.at(45, 20), kBuilding);

  absl::StatusOr<GuidedWarp> two =
      WarpLabelsGuided(key.image, key.labels, key.confidence, current.image,
                       kStill, options.ForFrames(2));
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->labels.pixels, current.labels.pixels);
}

TEST(ThinRelocationTest, ForFramesScalesTheSearchUpToItsLimit) {
  GuidedWarpOptions options;
  options.relocation.search = 32;
  options.relocation.search_per_frame = 8;
  EXPECT_EQ(options.ForFrames(0).relocation.search, 8);  // at least a frame
  EXPECT_EQ(options.ForFrames(1).relocation.search, 8);
  EXPECT_EQ(options.ForFrames(3).relocation.search, 24);
  EXPECT_EQ(options.ForFrames(12).relocation.search, 32);
  EXPECT_EQ(
      options.ForFrames(std::numeric_limits<int>::max()).relocation.search, 32);
  options.relocation.search_per_frame = 0;  // no scaling
  EXPECT_EQ(options.ForFrames(1).relocation.search, 32);
}

TEST(ThinRelocationTest, FindsAPoleAnyNumberOfPixelsAway) {
  // The search tries every other place first: a pole an odd number of
  // pixels away must still be found.
  const Scene key = SceneWith(30);
  for (const int to : {41, 44, 45, 13, 16}) {
    const Scene current = SceneWith(to);
    absl::StatusOr<GuidedWarp> guided =
        WarpLabelsGuided(key.image, key.labels, key.confidence, current.image,
                         kStill, Relocating({kPole}));
    ASSERT_TRUE(guided.ok()) << guided.status();
    EXPECT_EQ(guided->labels.pixels, current.labels.pixels) << "pole at " << to;
  }
}

TEST(ThinRelocationTest, JudgesAnObjectOnTheRegionsEdgeByTheFlowToo) {
  // A pole that fills the region's height: any vertical flow takes part of
  // it out of the region, and the flow's place is then taken at the edge.
  Scene key = SceneWith(30);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 30; x < 33; ++x) {
      uint8_t* rgb = key.image.at(x, y);
      rgb[0] = rgb[1] = 30;
      rgb[2] = 40;
      *key.labels.at(x, y) = kPole;
      *key.confidence.at(x, y) = 200;
    }
  }
  FlowField down = FlowField::Zero(kWidth, kHeight);
  for (int i = 1; i < static_cast<int>(down.vectors.size()); i += 2) {
    down.vectors[i] = -3;  // each pixel's key point lies 3 rows up
  }
  absl::StatusOr<GuidedWarp> plain = WarpLabelsGuided(
      key.image, key.labels, key.confidence, key.image, down, {});
  absl::StatusOr<GuidedWarp> relocated =
      WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, down,
                       Relocating({kPole}));
  ASSERT_TRUE(plain.ok() && relocated.ok());
  EXPECT_EQ(relocated->labels.pixels, plain->labels.pixels);
}

TEST(ThinRelocationTest, MovesOnlyTheChosenClasses) {
  const Scene key = SceneWith(30, 60);
  const Scene current = SceneWith(44, 70);  // pole and sign both moved
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, key.confidence, current.image,
                       kStill, Relocating({kPole}));
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(*guided->labels.at(45, 20), kPole);
  EXPECT_EQ(*guided->labels.at(72, 12), kBuilding);  // the sign stays lost

  guided = WarpLabelsGuided(key.image, key.labels, key.confidence,
                            current.image, kStill, Relocating({kPole, kSign}));
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(guided->labels.pixels, current.labels.pixels);
}

TEST(ThinRelocationTest, LeavesAPoleWhereTheFlowPutItRight) {
  const Scene key = SceneWith(30);
  FlowField flow = FlowField::Zero(kWidth, kHeight);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) flow.vectors[flow.index(x, y)] = -5;
  }
  const Scene current = SceneWith(35);
  absl::StatusOr<GuidedWarp> plain = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image, flow, {});
  absl::StatusOr<GuidedWarp> relocated =
      WarpLabelsGuided(key.image, key.labels, key.confidence, current.image,
                       flow, Relocating({kPole}));
  ASSERT_TRUE(plain.ok() && relocated.ok());
  EXPECT_EQ(relocated->labels.pixels, plain->labels.pixels);
  EXPECT_EQ(relocated->confidence.pixels, plain->confidence.pixels);
}

TEST(ThinRelocationTest, DoesNotDrawAPoleThatIsGone) {
  const Scene key = SceneWith(30);
  const Scene current = SceneWith(-1);
  absl::StatusOr<GuidedWarp> relocated =
      WarpLabelsGuided(key.image, key.labels, key.confidence, current.image,
                       kStill, Relocating({kPole}));
  ASSERT_TRUE(relocated.ok());
  EXPECT_EQ(relocated->labels.pixels, current.labels.pixels);
}

TEST(ThinRelocationTest, WorksWithoutConfidence) {
  const Scene key = SceneWith(30);
  const Scene current = SceneWith(44);
  absl::StatusOr<GuidedWarp> relocated =
      WarpLabelsGuided(key.image, key.labels, Image(), current.image, kStill,
                       Relocating({kPole}));
  ASSERT_TRUE(relocated.ok()) << relocated.status();
  EXPECT_TRUE(relocated->confidence.empty());
  EXPECT_EQ(relocated->labels.pixels, current.labels.pixels);
}

TEST(ThinRelocationTest, RefusesBadSourcesSizesAndOptions) {
  const Scene key = SceneWith(30);
  Image labels = key.labels;
  Image confidence = key.confidence;
  std::vector<int32_t> sources(kWidth * kHeight, 0);
  RelocationOptions options{.labels = {kPole}};

  sources[7] = kWidth * kHeight;
  absl::Status status =
      RelocateThinObjects(key.image, key.labels, key.confidence, key.image,
                          sources, options, {labels, confidence});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("outside the 96x48 key"), std::string::npos)
      << status;

  sources.pop_back();
  status = RelocateThinObjects(key.image, key.labels, key.confidence, key.image,
                               sources, options, {labels, confidence});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("with 4607 sources"), std::string::npos)
      << status;

  sources.assign(kWidth * kHeight, 0);
  options.search = 0;
  status = RelocateThinObjects(key.image, key.labels, key.confidence, key.image,
                               sources, options, {labels, confidence});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("search 0"), std::string::npos) << status;

  options.search = 32;
  options.search_per_frame = -1;
  status = RelocateThinObjects(key.image, key.labels, key.confidence, key.image,
                               sources, options, {labels, confidence});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("search per frame -1"), std::string::npos)
      << status;

  options.search_per_frame = 8;
  options.settled_cost = -1;
  status = RelocateThinObjects(key.image, key.labels, key.confidence, key.image,
                               sources, options, {labels, confidence});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("settled cost -1"), std::string::npos)
      << status;

  options.settled_cost = 64;
  options.ratio = std::numeric_limits<double>::quiet_NaN();
  status = RelocateThinObjects(key.image, key.labels, key.confidence, key.image,
                               sources, options, {labels, confidence});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("ratio nan"), std::string::npos) << status;
  EXPECT_EQ(labels.pixels, key.labels.pixels);  // untouched on error
}

}  // namespace
}  // namespace tessera
