#include "common/mismatch_fill.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

// Two greys side by side, 100 and 200, split at column `split`; labels 1 and
// 2 with confidence 10 and 20 to match.
struct Halves {
  Image image, labels, confidence;
};

Halves SplitAt(int split, int w = 16, int h = 8) {
  Halves halves{Image::Create(w, h, 3), Image::Create(w, h, 1),
                Image::Create(w, h, 1)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const bool left = x < split;
      uint8_t* rgb = halves.image.at(x, y);
      rgb[0] = rgb[1] = rgb[2] = left ? 100 : 200;
      *halves.labels.at(x, y) = left ? 1 : 2;
      *halves.confidence.at(x, y) = left ? 10 : 20;
    }
  }
  return halves;
}

TEST(MismatchFillTest, ADistrustedPatchTakesTheLabelOfItsOwnColour) {
  // A wrong label 9 over part of each half, touching the edge between them.
  Halves h = SplitAt(8);
  DistrustedPixels distrusted({16, 8});
  for (int y = 2; y < 6; ++y) {
    for (int x = 5; x < 11; ++x) {
      *h.labels.at(x, y) = 9;
      *h.confidence.at(x, y) = 99;
      distrusted.Mark(x, y);
    }
  }
  FillDistrustedPixels(h.image, kDefaultFillSimilarity, distrusted, h.labels,
                       h.confidence);
  const Halves want = SplitAt(8);
  EXPECT_EQ(h.labels.pixels, want.labels.pixels);
  EXPECT_EQ(h.confidence.pixels, want.confidence.pixels);
  for (int y = 2; y < 6; ++y) {
    for (int x = 5; x < 11; ++x) EXPECT_FALSE(distrusted.Has(x, y));
  }
}

TEST(MismatchFillTest, TheSecondPassFillsWhatOnlyLiesBelowAndRight) {
  // The top-left corner has settled neighbours only below and to the
  // right.
  Halves h = SplitAt(16);
  DistrustedPixels distrusted({16, 8});
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      *h.labels.at(x, y) = 9;
      distrusted.Mark(x, y);
    }
  }
  FillDistrustedPixels(h.image, kDefaultFillSimilarity, distrusted, h.labels,
                       h.confidence);
  EXPECT_EQ(*h.labels.at(0, 0), 1);
  EXPECT_EQ(h.labels.pixels, SplitAt(16).labels.pixels);
}

TEST(MismatchFillTest, NoAlikeNeighbourKeepsTheWarpedLabel) {
  // One pixel of the left half painted 60 greys darker: beyond the
  // similarity, so it keeps its label and stays distrusted.
  Halves h = SplitAt(8);
  uint8_t* rgb = h.image.at(3, 3);
  rgb[0] = rgb[1] = rgb[2] = 40;
  *h.labels.at(3, 3) = 9;
  DistrustedPixels distrusted({16, 8});
  distrusted.Mark(3, 3);
  Image no_confidence;
  FillDistrustedPixels(h.image, kDefaultFillSimilarity, distrusted, h.labels,
                       no_confidence);
  EXPECT_EQ(*h.labels.at(3, 3), 9);
  EXPECT_TRUE(distrusted.Has(3, 3));
  // A similarity that reaches 3 x 60 lets the neighbours in.
  FillDistrustedPixels(h.image, 180, distrusted, h.labels, no_confidence);
  EXPECT_EQ(*h.labels.at(3, 3), 1);
}

TEST(MismatchFillTest, TheMostAlikeNeighbourWins) {
  // A pixel of grey 150 on the edge between the halves. Of its neighbours
  // the first pass looks at, the one to its left (140, label 1) comes
  // first and the one above it (148, label 5) is closer; at a similarity
  // of 200 all four are within reach.
  Halves h = SplitAt(8);
  auto paint = [&](int x, int y, uint8_t grey) {
    uint8_t* rgb = h.image.at(x, y);
    rgb[0] = rgb[1] = rgb[2] = grey;
  };
  paint(8, 4, 150);
  paint(7, 4, 140);
  paint(8, 3, 148);
  *h.labels.at(8, 3) = 5;
  *h.confidence.at(8, 3) = 55;
  *h.labels.at(8, 4) = 9;
  DistrustedPixels distrusted({16, 8});
  distrusted.Mark(8, 4);
  FillDistrustedPixels(h.image, 200, distrusted, h.labels, h.confidence);
  EXPECT_EQ(*h.labels.at(8, 4), 5);
  EXPECT_EQ(*h.confidence.at(8, 4), 55);
}

}  // namespace
}  // namespace tessera
