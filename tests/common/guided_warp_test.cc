#include "common/guided_warp.h"

#include <gtest/gtest.h>

#include "common/warp.h"

namespace tessera {
namespace {

constexpr uint8_t kPole = 2;
constexpr uint8_t kSky = 0;

// A grey sky with a dark pole `width` pixels wide starting at column `x0`;
// its labels and a confidence of 200 on the pole, 100 elsewhere.
struct Scene {
  Image image, labels, confidence;
};

Scene PoleAt(int x0, int width = 2, int w = 32, int h = 16) {
  Scene scene{Image::Create(w, h, 3), Image::Create(w, h, 1),
              Image::Create(w, h, 1)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const bool pole = x >= x0 && x < x0 + width;
      uint8_t* rgb = scene.image.at(x, y);
      rgb[0] = pole ? 40 : 180;
      rgb[1] = pole ? 40 : 200;
      rgb[2] = pole ? 50 : 230;
      *scene.labels.at(x, y) = pole ? kPole : kSky;
      *scene.confidence.at(x, y) = pole ? 200 : 100;
    }
  }
  return scene;
}

int PixelsLabelled(const Image& labels, uint8_t label) {
  int n = 0;
  for (const uint8_t v : labels.pixels) n += v == label;
  return n;
}

TEST(GuidedWarpTest, FindsAThinObjectTheFlowMissedByAFewPixels) {
  // The pole moved 2 px right between key and current frame; the flow (as
  // a fast estimator gives on thin things) says nothing moved.
  const Scene key = PoleAt(10);
  const Scene current = PoleAt(12);
  const FlowField still = FlowField::Zero(32, 16);

  absl::StatusOr<Image> plain = WarpNearest(key.labels, still);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain->at(12, 5), kSky);  // the plain warp misses the pole

  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image, still, {});
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(guided->labels.pixels, current.labels.pixels);
  EXPECT_EQ(guided->confidence.pixels, current.confidence.pixels);
  EXPECT_EQ(PixelsLabelled(guided->labels, kPole), 2 * 16);
  // The pole's pixels and the two it left behind looked elsewhere.
  EXPECT_DOUBLE_EQ(guided->moved_share, 4.0 * 16 / (32 * 16));
}

TEST(GuidedWarpTest, LeavesPixelsWhoseWarpedColourAgrees) {
  const Scene key = PoleAt(10);
  FlowField flow = FlowField::Zero(32, 16);
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 32; ++x) flow.vectors[flow.index(x, y)] = -2;
  }
  // Flow that is right (2 px) keeps the plain warp's answer everywhere.
  const Scene current = PoleAt(12);
  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image, flow, {});
  ASSERT_TRUE(guided.ok());
  absl::StatusOr<Image> plain = WarpNearest(key.labels, flow);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(guided->labels.pixels, plain->pixels);
  EXPECT_EQ(guided->moved_share, 0);
}

TEST(GuidedWarpTest, DoesNotSearchWhereTheKeyHasOneLabelAround) {
  // Far from the pole the light changed and row 3 of the region no longer
  // matches the key there, yet only one label is within reach: those
  // pixels keep the flow's point, confidence included.
  // Row 3 of the key keeps the old light, so its neighbours match better.
  Scene key = PoleAt(10);
  Scene current = PoleAt(10);
  for (int y = 0; y < 16; ++y) {
    for (int x = 20; x < 32; ++x) {
      current.image.at(x, y)[0] = 120;
      if (y != 3) key.image.at(x, y)[0] = 120;
    }
  }
  Image confidence = key.confidence;
  for (int x = 20; x < 32; ++x) *confidence.at(x, 3) = 7;
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, confidence, current.image,
                       FlowField::Zero(32, 16), {});
  ASSERT_TRUE(guided.ok());
  EXPECT_EQ(guided->labels.pixels, key.labels.pixels);
  EXPECT_EQ(guided->confidence.pixels, confidence.pixels);
  EXPECT_EQ(guided->moved_share, 0);
}

TEST(GuidedWarpTest, RadiusZeroIsThePlainWarpAndTooFarIsNotSearched) {
  const Scene key = PoleAt(10);
  const Scene current = PoleAt(12);
  const FlowField still = FlowField::Zero(32, 16);
  GuidedWarpOptions off;
  off.radius = 0;
  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image, still, off);
  ASSERT_TRUE(guided.ok());
  EXPECT_EQ(guided->labels.pixels, WarpNearest(key.labels, still)->pixels);

  // A pole 6 px away is beyond a radius of 3.
  const Scene far = PoleAt(16);
  guided = WarpLabelsGuided(key.image, key.labels, key.confidence, far.image,
                            still, {});
  ASSERT_TRUE(guided.ok());
  EXPECT_EQ(*guided->labels.at(16, 5), kSky);
}

TEST(GuidedWarpTest, WithoutConfidenceWarpsLabelsOnly) {
  const Scene key = PoleAt(10);
  const Scene current = PoleAt(11);
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, Image(), current.image,
                       FlowField::Zero(32, 16), {});
  ASSERT_TRUE(guided.ok());
  EXPECT_TRUE(guided->confidence.empty());
  EXPECT_EQ(guided->labels.pixels, current.labels.pixels);
}

TEST(GuidedWarpTest, RefusesMismatchedSizesChannelsAndOptions) {
  const Scene key = PoleAt(10);
  const Scene small = PoleAt(10, 2, 16, 16);
  const FlowField flow = FlowField::Zero(32, 16);
  absl::StatusOr<GuidedWarp> r = WarpLabelsGuided(
      key.image, key.labels, key.confidence, small.image, flow, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("16x16"), std::string::npos)
      << r.status();
  r = WarpLabelsGuided(key.labels, key.labels, key.confidence, key.image, flow,
                       {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  GuidedWarpOptions wide;
  wide.radius = 17;
  r = WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, flow,
                       wide);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("radius 17"), std::string::npos);
}

}  // namespace
}  // namespace tessera
