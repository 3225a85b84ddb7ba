#include "common/palette.h"

#include <random>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Rgb = std::array<uint8_t, 3>;

LabelMap Labels(int width, int height, std::vector<uint8_t> ids) {
  LabelMap map;
  map.width = width;
  map.height = height;
  map.channels = 1;
  map.pixels = std::move(ids);
  return map;
}

Rgb PixelAt(const Image& image, int x, int y) {
  const uint8_t* p = image.at(x, y);
  return {p[0], p[1], p[2]};
}

TEST(PaletteTest, CamVidHasElevenSegNetColours) {
  const Palette& p = CamVidPalette();
  EXPECT_EQ(p.name, "camvid");
  ASSERT_EQ(p.class_names.size(), 11u);
  ASSERT_EQ(p.colors.size(), 11u);
  EXPECT_EQ(p.class_names.front(), "Sky");
  EXPECT_EQ(p.class_names[3], "Road");
  EXPECT_EQ(p.class_names.back(), "Bicyclist");
  EXPECT_EQ(p.colors[0], (Rgb{128, 128, 128}));
  EXPECT_EQ(p.colors[3], (Rgb{128, 64, 128}));
  EXPECT_EQ(p.colors[4], (Rgb{60, 40, 222}));
  EXPECT_EQ(p.colors[8], (Rgb{64, 0, 128}));
  EXPECT_EQ(p.colors[10], (Rgb{0, 128, 192}));
  EXPECT_EQ(p.void_color, (Rgb{0, 0, 0}));
}

TEST(PaletteTest, CityscapesHasNineteenTrainIds) {
  const Palette& p = CityscapesPalette();
  EXPECT_EQ(p.name, "cityscapes");
  ASSERT_EQ(p.class_names.size(), 19u);
  ASSERT_EQ(p.colors.size(), 19u);
  EXPECT_EQ(p.class_names[0], "road");
  EXPECT_EQ(p.class_names[6], "traffic light");
  EXPECT_EQ(p.class_names[13], "car");
  EXPECT_EQ(p.class_names[18], "bicycle");
  EXPECT_EQ(p.colors[0], (Rgb{128, 64, 128}));
  EXPECT_EQ(p.colors[10], (Rgb{70, 130, 180}));
  EXPECT_EQ(p.colors[11], (Rgb{220, 20, 60}));
  EXPECT_EQ(p.colors[18], (Rgb{119, 11, 32}));
}

TEST(PaletteTest, ColoursWithinAPaletteAreDistinct) {
  for (const Palette* p : {&CamVidPalette(), &CityscapesPalette()}) {
    const std::set<Rgb> unique(p->colors.begin(), p->colors.end());
    EXPECT_EQ(unique.size(), p->colors.size()) << p->name;
  }
}

TEST(PaletteTest, PaletteByNameFindsBothAndRejectsOthers) {
  absl::StatusOr<const Palette*> camvid = PaletteByName("camvid");
  ASSERT_TRUE(camvid.ok());
  EXPECT_EQ(*camvid, &CamVidPalette());
  absl::StatusOr<const Palette*> cityscapes = PaletteByName("Cityscapes");
  ASSERT_TRUE(cityscapes.ok());
  EXPECT_EQ(*cityscapes, &CityscapesPalette());
  absl::StatusOr<const Palette*> other = PaletteByName("ade20k");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(other.status().message(),
              HasSubstr("unknown palette \"ade20k\""));
}

TEST(PaletteTest, ColorizeUsesClassAndVoidColours) {
  const Palette& p = CamVidPalette();
  const Image image = Colorize(Labels(4, 1, {0, 3, 11, 255}), p);
  ASSERT_EQ(image.width, 4);
  ASSERT_EQ(image.height, 1);
  ASSERT_EQ(image.channels, 3);
  EXPECT_EQ(PixelAt(image, 0, 0), p.colors[0]);
  EXPECT_EQ(PixelAt(image, 1, 0), p.colors[3]);
  EXPECT_EQ(PixelAt(image, 2, 0), p.void_color);
  EXPECT_EQ(PixelAt(image, 3, 0), p.void_color);
}

TEST(PaletteTest, ColorizeOfAMalformedMapIsEmpty) {
  EXPECT_TRUE(Colorize(Image::Create(2, 2, 3), CamVidPalette()).empty());
  EXPECT_TRUE(Colorize(Labels(2, 2, {0}), CamVidPalette()).empty());
  EXPECT_TRUE(Colorize(LabelMap(), CamVidPalette()).empty());
}

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(5);
    frame_ = Image::Create(7, 5, 3);
    for (uint8_t& v : frame_.pixels) v = static_cast<uint8_t>(rng());
    labels_ = Image::Create(7, 5, 1);
    for (uint8_t& v : labels_.pixels) v = static_cast<uint8_t>(rng() % 20);
  }
  Image frame_;
  LabelMap labels_;
};

TEST_F(OverlayTest, AlphaZeroIsTheFrameExactly) {
  const Image out = Overlay(frame_, labels_, CityscapesPalette(), 0.0);
  EXPECT_EQ(out.pixels, frame_.pixels);
  EXPECT_EQ(Overlay(frame_, labels_, CityscapesPalette(), -3.0).pixels,
            frame_.pixels);  // clamped
}

TEST_F(OverlayTest, AlphaOneIsTheColoursExactly) {
  const Image colours = Colorize(labels_, CityscapesPalette());
  const Image out = Overlay(frame_, labels_, CityscapesPalette(), 1.0);
  EXPECT_EQ(out.pixels, colours.pixels);
  EXPECT_EQ(Overlay(frame_, labels_, CityscapesPalette(), 7.0).pixels,
            colours.pixels);  // clamped
}

TEST_F(OverlayTest, HalfAlphaIsTheMidpoint) {
  const Image colours = Colorize(labels_, CityscapesPalette());
  const Image out = Overlay(frame_, labels_, CityscapesPalette(), 0.5);
  ASSERT_EQ(out.pixels.size(), frame_.pixels.size());
  for (size_t i = 0; i < out.pixels.size(); ++i) {
    const double mid = (frame_.pixels[i] + colours.pixels[i]) / 2.0;
    EXPECT_NEAR(out.pixels[i], mid, 0.5 + 1e-9) << i;
  }
}

TEST(PaletteTest, OverlayBlendsOnePixelAsComputedByHand) {
  Image frame = Image::Create(1, 1, 3);
  frame.pixels = {200, 0, 100};
  // Road (128, 64, 128) at alpha 0.25: 200*.75+128*.25 = 182,
  // 0*.75+64*.25 = 16, 100*.75+128*.25 = 107.
  const Image out =
      Overlay(frame, Labels(1, 1, {0}), CityscapesPalette(), 0.25);
  EXPECT_THAT(out.pixels, ElementsAre(182, 16, 107));
}

TEST(PaletteTest, OverlayOfMismatchedInputsIsEmpty) {
  const LabelMap labels = Labels(2, 1, {0, 1});
  EXPECT_TRUE(
      Overlay(Image::Create(3, 1, 3), labels, CamVidPalette(), 0.5).empty());
  EXPECT_TRUE(
      Overlay(Image::Create(2, 1, 1), labels, CamVidPalette(), 0.5).empty());
}

}  // namespace
}  // namespace tessera
