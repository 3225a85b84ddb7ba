// The flow path's window: the stitched core of a region and a margin, where
// the flow, the features and the warp run; outside it the labels stay those
// of the frame warped from.
#include "worker/flow_window.h"

#include <string>

#include "gtest/gtest.h"
#include "worker/decision_network.h"
#include "worker/flow_path.h"
#include "worker/optical_flow.h"
#include "worker/region_processor.h"
#include "worker/segmenter.h"

namespace tessera::worker {
namespace {

const std::string kDnPath = std::string(TESSERA_MODELS_DIR) + "/synth.dn.json";

TEST(FlowWindowTest, GrowsTheStitchedPartByTheMarginWithinTheRegion) {
  const Size region{304, 244};
  EXPECT_EQ(FlowWindow(region, {32, 32, 240, 180}, 16),
            (Rect{16, 16, 272, 212}));
  // A corner region's core touches the region's edge: nothing to grow there.
  EXPECT_EQ(FlowWindow(region, {0, 0, 240, 180}, 16), (Rect{0, 0, 256, 196}));
  EXPECT_EQ(FlowWindow(region, {32, 32, 240, 180}, 0),
            (Rect{32, 32, 240, 180}));
}

TEST(FlowWindowTest, HugePartsAndMarginsAreClippedNotOverflowed) {
  const Size region{304, 244};
  EXPECT_EQ(FlowWindow(region, {2147483000, 0, 600, 10}, 8192),
            (Rect{0, 0, 304, 244}))
      << "nothing of it inside: the whole region";
  EXPECT_EQ(FlowWindow(region, {32, 32, 240, 180}, 8192),
            (Rect{0, 0, 304, 244}));
  EXPECT_TRUE(InsideOf({0, 0, 304, 244}, region));
  EXPECT_FALSE(InsideOf({1, 0, 304, 244}, region));
  EXPECT_FALSE(InsideOf({2147483000, 0, 2000, 10}, region));
  EXPECT_FALSE(InsideOf({0, 0, 0, 10}, region));
}

TEST(FlowWindowTest, IsTheWholeRegionWithoutAStitchedPartOrAMargin) {
  const Size region{304, 244};
  const Rect whole{0, 0, 304, 244};
  EXPECT_EQ(FlowWindow(region, {}, 16), whole) << "all of it is stitched";
  EXPECT_EQ(FlowWindow(region, {32, 32, 240, 180}, -1), whole)
      << "a network trained on whole regions";
  EXPECT_EQ(FlowWindow(region, {400, 300, 10, 10}, 16), whole)
      << "a part outside the region";
  EXPECT_TRUE(CoversWhole(whole, region));
  EXPECT_FALSE(CoversWhole({0, 0, 304, 243}, region));
}

TEST(FlowWindowTest, PastesAPartOverACopyOfTheBase) {
  Image base = Image::Create(6, 4, 1);
  for (size_t i = 0; i < base.pixels.size(); ++i) base.pixels[i] = 1;
  Image part = Image::Create(3, 2, 1);
  for (size_t i = 0; i < part.pixels.size(); ++i) part.pixels[i] = 7;
  const Image pasted = PasteWindow(base, part, {2, 1, 3, 2});
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) {
      const bool inside = x >= 2 && x < 5 && y >= 1 && y < 3;
      EXPECT_EQ(*pasted.at(x, y), inside ? 7 : 1) << x << "," << y;
    }
  }
  EXPECT_EQ(base.pixels[8], 1) << "the base is not changed";
  EXPECT_TRUE(PasteWindow(Image(), part, {2, 1, 3, 2}).empty())
      << "no confidence map stays none";
}

// The shipped synth network, as if it had learned on windows `margin` px
// around the stitched core.
absl::StatusOr<std::unique_ptr<DecisionNetwork>> ShippedWithMargin(int margin) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> shipped =
      LoadDecisionNetwork(kDnPath);
  if (!shipped.ok()) return shipped.status();
  v1::DecisionNetwork spec = (*shipped)->spec();
  spec.set_window_margin(margin);
  return MakeDecisionNetwork(spec);
}

// Stripes 8 px wide, moved right by `shift`: colours and labels agree.
Image Stripes(int width, int height, int shift, int channels) {
  Image image = Image::Create(width, height, channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int stripe = ((x - shift + 64) / 8) % 5;
      for (int c = 0; c < channels; ++c) {
        image.at(x, y)[c] = static_cast<uint8_t>(
            channels == 1 ? stripe : 30 + 45 * stripe + 20 * c + (y % 5));
      }
    }
  }
  return image;
}

TEST(FlowWindowTest, AFlowPathWarpsOnlyItsWindow) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn = ShippedWithMargin(4);
  ASSERT_TRUE(dn.ok()) << dn.status();
  absl::StatusOr<std::unique_ptr<OpticalFlow>> flow =
      CreateOpticalFlow({.backend = "dis"});
  ASSERT_TRUE(flow.ok()) << flow.status();
  FlowPath path(**flow, **dn);

  const Size size{96, 64};
  const Rect window = path.WindowFor(size, {24, 16, 48, 32});
  EXPECT_EQ(window, (Rect{20, 12, 56, 40}));
  KeyFrame key;
  key.image = Stripes(size.width, size.height, 0, 3);
  key.labels = Stripes(size.width, size.height, 0, 1);
  key.confidence = Image::Create(size.width, size.height, 1);
  const Image current = Stripes(size.width, size.height, 2, 3);
  absl::StatusOr<FlowEstimate> estimate =
      path.Estimate(current, key, 1, window);
  ASSERT_TRUE(estimate.ok()) << estimate.status();
  EXPECT_EQ(estimate->window, window);
  EXPECT_EQ(estimate->flow.width, window.width);
  EXPECT_EQ(estimate->flow.height, window.height);
  absl::StatusOr<WarpedKey> warped = path.Warp(current, key, *estimate, 1);
  ASSERT_TRUE(warped.ok()) << warped.status();
  ASSERT_EQ(warped->labels.size(), size);
  ASSERT_EQ(warped->confidence.size(), size);
  const Image moved = Stripes(size.width, size.height, 2, 1);
  int inside = 0, inside_moved = 0;
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      const uint8_t label = *warped->labels.at(x, y);
      if (!window.Contains(x, y)) {
        ASSERT_EQ(label, *key.labels.at(x, y))
            << "outside the window, the key's own label at " << x << "," << y;
        continue;
      }
      ++inside;
      inside_moved += label == *moved.at(x, y);
    }
  }
  EXPECT_GE(inside_moved, inside * 9 / 10)
      << "inside the window the stripes moved with the image";

  // Without a window the same path warps all of it.
  absl::StatusOr<FlowEstimate> whole = path.Estimate(current, key, 1);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->window, (Rect{0, 0, size.width, size.height}));
  EXPECT_FALSE(path.Estimate(current, key, 1, {80, 0, 20, 10}).ok())
      << "a window outside the region is refused";
  EXPECT_EQ(path.WindowFor(size, {}), (Rect{0, 0, size.width, size.height}))
      << "a task that names no stitched part: the whole region";

  KeyFrame small_confidence = key;
  small_confidence.confidence = Image::Create(20, 20, 1);
  absl::StatusOr<FlowEstimate> refused =
      path.Estimate(current, small_confidence, 1, window);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("confidence 20x20x1"),
            std::string::npos)
      << refused.status();
  EXPECT_FALSE(path.Warp(current, small_confidence, *estimate, 1).ok());
}

TEST(FlowWindowTest, ARegionProcessorWarpsTheStitchedPartOfTheTask) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> loaded =
      ShippedWithMargin(4);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::unique_ptr<DecisionNetwork> dn = *std::move(loaded);
  std::unique_ptr<OpticalFlow> flow = *CreateOpticalFlow({.backend = "dis"});
  std::unique_ptr<Segmenter> segmenter =
      *CreateSegmenter({.backend = "null", .null_classes = 11});
  FlowPath path(*flow, *dn);
  RegionProcessor processor(*segmenter, {}, &path);
  const Size size{96, 64};
  const Rect window{20, 12, 56, 40};
  auto run = [&](uint64_t frame, const Image& image) {
    const std::string raw(image.pixels.begin(), image.pixels.end());
    return processor.Process({.task = frame + 1,
                              .stream = "cam",
                              .region = 0,
                              .frame_index = frame,
                              .image_bytes = raw,
                              .encoding = Encoding::kRaw,
                              .declared = {size.width, size.height, 3},
                              .policy = {.allow_flow = true,
                                         .threshold = 0,
                                         .max_key_age = 4,
                                         .keep_key = true},
                              .stitched = {24, 16, 48, 32}});
  };
  absl::StatusOr<RegionResultOut> key = run(0, Stripes(96, 64, 0, 3));
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_FALSE(key->flow_path);
  // Shifted by more than the margin: inside the window the labels follow.
  absl::StatusOr<RegionResultOut> warped = run(1, Stripes(96, 64, 6, 3));
  ASSERT_TRUE(warped.ok()) << warped.status();
  ASSERT_TRUE(warped->flow_path);
  ASSERT_EQ(warped->labels.size(), key->labels.size());
  int outside = 0, outside_kept = 0, inside = 0, inside_changed = 0;
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width; ++x) {
      const size_t i = static_cast<size_t>(y) * size.width + x;
      const bool same = warped->labels[i] == key->labels[i];
      if (window.Contains(x, y)) {
        ++inside;
        inside_changed += !same;
      } else {
        ++outside;
        outside_kept += same;
      }
    }
  }
  EXPECT_EQ(outside_kept, outside) << "outside the window: the key's labels";
  EXPECT_GT(inside_changed, inside / 20) << "inside: warped by 6 px";
}

TEST(FlowWindowTest, ANetworkWithANegativeMarginIsRefused) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn = ShippedWithMargin(-3);
  EXPECT_EQ(dn.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dn.status().message().find("window_margin"), std::string::npos);
}

}  // namespace
}  // namespace tessera::worker
