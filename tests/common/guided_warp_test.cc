#include "common/guided_warp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/key_colour_search.h"
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

// The guided warp's rule, one pixel at a time and with no shortcut: the
// key pixels within the radius are tried row by row, starting from the
// flow's point's own cost, and a pixel is taken only when strictly cheaper
// (so ties keep the flow's point, then the first in row order); only where
// the key has more than one label within the radius and the flow's point's
// colour is off by more than the threshold. No relocation. A faster search
// must find the same.
struct ReferenceWarp {
  Image labels, confidence;
  int gated = 0;     // pixels not searched: one label within the radius
  int searched = 0;  // pixels searched
  int moved = 0;     // pixels whose label came from off the flow's point
};

ReferenceWarp ReferenceGuidedWarp(const Scene& key, const Image& current,
                                  const FlowField& flow,
                                  const GuidedWarpOptions& options) {
  const int w = current.width, h = current.height;
  const SearchRadius r = options.radius;
  ReferenceWarp out{Image::Create(w, h, 1), Image::Create(w, h, 1)};
  auto distance = [](const uint8_t* a, const uint8_t* b) {
    return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) +
           std::abs(a[2] - b[2]);
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int fx = NearestSourcePixel(x, flow.dx(x, y), w);
      const int fy = NearestSourcePixel(y, flow.dy(x, y), h);
      const int x0 = std::max(0, fx - r.x), x1 = std::min(w - 1, fx + r.x);
      const int y0 = std::max(0, fy - r.y), y1 = std::min(h - 1, fy + r.y);
      bool one_label = true;
      for (int sy = y0; sy <= y1; ++sy) {
        for (int sx = x0; sx <= x1; ++sx) {
          one_label =
              one_label && *key.labels.at(sx, sy) == *key.labels.at(fx, fy);
        }
      }
      int bx = fx, by = fy;
      const int at_flow = distance(current.at(x, y), key.image.at(fx, fy));
      out.gated += one_label;
      if (!one_label && at_flow > options.colour_threshold) {
        ++out.searched;
        int best = at_flow;
        for (int sy = y0; sy <= y1; ++sy) {
          for (int sx = x0; sx <= x1; ++sx) {
            const int cost =
                distance(current.at(x, y), key.image.at(sx, sy)) +
                options.step_cost * (std::abs(sx - fx) + std::abs(sy - fy));
            if (cost < best) {
              best = cost;
              bx = sx;
              by = sy;
            }
          }
        }
      }
      out.moved += bx != fx || by != fy;
      *out.labels.at(x, y) = *key.labels.at(bx, by);
      *out.confidence.at(x, y) = *key.confidence.at(bx, by);
    }
  }
  return out;
}

// Compares the warp with ReferenceGuidedWarp on a random scene of `w` x `h`
// pixels: labels in blocks of `block` pixels, so that many pixels, at the
// borders too, have a single label within the radius; colours from a
// palette in steps of 10 (ties are common, and a colour can be off by
// exactly the threshold); random confidence; a random flow of up to 5 px,
// which reaches the borders.
void ExpectSameAsScan(int w, int h, int block,
                      const std::vector<GuidedWarpOptions>& option_sets) {
  std::mt19937 random(4);
  std::uniform_int_distribution<int> palette(0, 8), label(0, 3), byte(0, 255);
  std::uniform_real_distribution<float> motion(-5.0f, 5.0f);
  Scene key{Image::Create(w, h, 3), Image::Create(w, h, 1),
            Image::Create(w, h, 1)};
  const int blocks_across = (w + block - 1) / block;
  std::vector<uint8_t> block_labels(blocks_across * ((h + block - 1) / block));
  for (uint8_t& v : block_labels) v = label(random);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      *key.labels.at(x, y) =
          block_labels[(y / block) * blocks_across + x / block];
    }
  }
  Image current = Image::Create(w, h, 3);
  for (uint8_t& v : key.image.pixels) v = 10 * palette(random);
  for (uint8_t& v : current.pixels) v = 10 * palette(random);
  for (uint8_t& v : key.confidence.pixels) v = byte(random);
  FlowField flow = FlowField::Zero(w, h);
  for (float& v : flow.vectors) v = motion(random);

  for (const GuidedWarpOptions& options : option_sets) {
    SCOPED_TRACE(testing::Message()
                 << "radius " << SearchRadiusText(options.radius)
                 << ", colour threshold " << options.colour_threshold
                 << ", step cost " << options.step_cost);
    const ReferenceWarp reference =
        ReferenceGuidedWarp(key, current, flow, options);
    // Both kinds of pixel occur, or the comparison would prove less.
    EXPECT_GT(reference.gated, w * h / 20);
    EXPECT_GT(reference.searched, w * h / 20);
    absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
        key.image, key.labels, key.confidence, current, flow, options);
    ASSERT_TRUE(guided.ok()) << guided.status();
    EXPECT_EQ(guided->labels.pixels, reference.labels.pixels);
    EXPECT_EQ(guided->confidence.pixels, reference.confidence.pixels);
    EXPECT_DOUBLE_EQ(guided->moved_share,
                     static_cast<double>(reference.moved) / (w * h));
  }
}

TEST(GuidedWarpTest, FindsWhatAPixelByPixelScanFinds) {
  ExpectSameAsScan(
      96, 80, 16,
      {GuidedWarpOptions{}, GuidedWarpOptions{.radius = 5, .step_cost = 1},
       GuidedWarpOptions{.radius = 2, .colour_threshold = 0, .step_cost = 0},
       GuidedWarpOptions{.radius = 1, .colour_threshold = 30},
       GuidedWarpOptions{.radius = 4, .step_cost = 30},
       GuidedWarpOptions{.radius = {5, 2}, .step_cost = 2},
       GuidedWarpOptions{.radius = {1, 4}, .step_cost = 1},
       GuidedWarpOptions{.radius = {3, 0}, .step_cost = 1}});
}

TEST(GuidedWarpTest, WideSearchesFindWhatAPixelByPixelScanFinds) {
  // Radii whose rows of candidates span two to five vectors of the search
  // (common/key_colour_search.h), odd widths so that rows end mid-vector,
  // and the largest step cost, where costs come closest to overflowing.
  ExpectSameAsScan(
      101, 97, 48,
      {GuidedWarpOptions{.radius = 4, .step_cost = 2},
       GuidedWarpOptions{.radius = 9, .step_cost = 1},
       GuidedWarpOptions{.radius = kMaxGuidedWarpRadius, .step_cost = 0},
       GuidedWarpOptions{.radius = kMaxGuidedWarpRadius,
                         .colour_threshold = 0,
                         .step_cost = kMaxKeySearchStepCost},
       GuidedWarpOptions{.radius = {11, 5}, .step_cost = 2},
       GuidedWarpOptions{.radius = {11, 5}, .colour_threshold = 12},
       GuidedWarpOptions{.radius = {kMaxGuidedWarpRadius, 1},
                         .colour_threshold = 0,
                         .step_cost = kMaxKeySearchStepCost}});
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

TEST(GuidedWarpTest, RadiusZeroWithoutFillIsThePlainWarp) {
  const Scene key = PoleAt(10);
  const Scene current = PoleAt(12);
  const FlowField still = FlowField::Zero(32, 16);
  GuidedWarpOptions off;
  off.radius = 0;
  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image, still, off);
  ASSERT_TRUE(guided.ok());
  EXPECT_EQ(guided->labels.pixels, WarpNearest(key.labels, still)->pixels);
}

TEST(GuidedWarpTest, TooFarIsNotSearched) {
  // A pole 6 px away is beyond a radius of 3; nothing around where it now
  // stands has its colour or label, so the warp's sky stays.
  const Scene key = PoleAt(10);
  const Scene far = PoleAt(16);
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, key.confidence, far.image,
                       FlowField::Zero(32, 16), {});
  ASSERT_TRUE(guided.ok());
  EXPECT_EQ(*guided->labels.at(16, 5), kSky);
}

TEST(GuidedWarpTest, WithoutASearchTheFillStillClearsWhereThePoleStood) {
  // No search: where the key's pole was, the current frame shows sky, and
  // the sky around lends its label and confidence.
  const Scene key = PoleAt(10);
  const Scene far = PoleAt(16);
  const FlowField still = FlowField::Zero(32, 16);
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, key.confidence, far.image, still,
                       {.radius = 0, .fill_threshold = kDefaultFillThreshold});
  ASSERT_TRUE(guided.ok());
  for (int y = 0; y < 16; ++y) {
    EXPECT_EQ(*guided->labels.at(10, y), kSky) << "row " << y;
    EXPECT_EQ(*guided->labels.at(11, y), kSky) << "row " << y;
    EXPECT_EQ(*guided->confidence.at(11, y), 100) << "row " << y;
  }
  guided = WarpLabelsGuided(key.image, key.labels, key.confidence, far.image,
                            still, {.radius = 0});
  ASSERT_TRUE(guided.ok());
  EXPECT_EQ(*guided->labels.at(10, 5), kPole);
}

TEST(GuidedWarpTest, RoadACarUncoveredTakesTheRoadsLabel) {
  // A red car 8 px wide drove 16 px right over grey road, further than any
  // search reaches. The flow is the road's (still): behind the car it
  // points into the key's car.
  constexpr uint8_t kRoad = 3, kCar = 8;
  auto scene = [](int car_x) {
    Scene s{Image::Create(40, 16, 3), Image::Create(40, 16, 1),
            Image::Create(40, 16, 1)};
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 40; ++x) {
        const bool car = x >= car_x && x < car_x + 8 && y >= 4 && y < 12;
        uint8_t* rgb = s.image.at(x, y);
        rgb[0] = car ? 200 : 100 + (x + y) % 5;  // road with a little grain
        rgb[1] = car ? 30 : 100;
        rgb[2] = car ? 30 : 100;
        *s.labels.at(x, y) = car ? kCar : kRoad;
        *s.confidence.at(x, y) = car ? 250 : 150;
      }
    }
    return s;
  };
  const Scene key = scene(4);
  const Scene current = scene(20);
  absl::StatusOr<GuidedWarp> guided = WarpLabelsGuided(
      key.image, key.labels, key.confidence, current.image,
      FlowField::Zero(40, 16), {.fill_threshold = kDefaultFillThreshold});
  ASSERT_TRUE(guided.ok()) << guided.status();
  for (int y = 4; y < 12; ++y) {
    for (int x = 4; x < 12; ++x) {
      EXPECT_EQ(*guided->labels.at(x, y), kRoad) << x << "," << y;
      EXPECT_EQ(*guided->confidence.at(x, y), 150) << x << "," << y;
    }
  }
  // Without the fill the car's trail stays.
  guided = WarpLabelsGuided(key.image, key.labels, key.confidence,
                            current.image, FlowField::Zero(40, 16), {});
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(*guided->labels.at(8, 8), kCar);
}

TEST(GuidedWarpTest, ASearchWiderAcrossFindsWhatMovedSideways) {
  // The pole moved 6 px right: a search 6 across (and 1 up and down)
  // finds it where a square one of 3 did not (above); one 6 up and down
  // but 3 across does not.
  const Scene key = PoleAt(10);
  const Scene far = PoleAt(16);
  const FlowField still = FlowField::Zero(32, 16);
  absl::StatusOr<GuidedWarp> guided =
      WarpLabelsGuided(key.image, key.labels, key.confidence, far.image, still,
                       {.radius = {6, 1}});
  ASSERT_TRUE(guided.ok()) << guided.status();
  EXPECT_EQ(guided->labels.pixels, far.labels.pixels);
  guided = WarpLabelsGuided(key.image, key.labels, key.confidence, far.image,
                            still, {.radius = {3, 6}});
  ASSERT_TRUE(guided.ok()) << guided.status();
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
  wide.radius = {4, 17};
  r = WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, flow,
                       wide);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("radius 4x17"), std::string::npos)
      << r.status();
  GuidedWarpOptions steep;
  steep.step_cost = kMaxKeySearchStepCost + 1;
  r = WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, flow,
                       steep);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("step cost 766"), std::string::npos)
      << r.status();
  for (const int threshold : {-1, kMaxColourThreshold + 1}) {
    GuidedWarpOptions out_of_range;
    out_of_range.colour_threshold = threshold;
    r = WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, flow,
                         out_of_range);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(
                  absl::StrCat("colour threshold ", threshold, " (0..765)")),
              std::string::npos)
        << r.status();
  }
  for (const int threshold : {-1, kMaxColourThreshold + 1}) {
    r = WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, flow,
                         {.fill_threshold = threshold});
    EXPECT_NE(
        r.status().message().find(absl::StrCat("fill threshold ", threshold)),
        std::string::npos)
        << r.status();
    r = WarpLabelsGuided(key.image, key.labels, key.confidence, key.image, flow,
                         {.fill_similarity = threshold});
    EXPECT_NE(
        r.status().message().find(absl::StrCat("fill similarity ", threshold)),
        std::string::npos)
        << r.status();
  }
  GuidedWarpOptions searches_nowhere;
  searches_nowhere.colour_threshold = kMaxColourThreshold;
  EXPECT_TRUE(WarpLabelsGuided(key.image, key.labels, key.confidence, key.image,
                               flow, searches_nowhere)
                  .ok());
}

}  // namespace
}  // namespace tessera
