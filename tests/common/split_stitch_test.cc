#include "common/split_stitch.h"

#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

Image RandomImage(int width, int height, int channels, std::mt19937& rng) {
  Image image = Image::Create(width, height, channels);
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(rng() % 12);
  return image;
}

// Region parts as a perfect segmenter would return them: crops of one mask.
std::vector<RegionLabels> PartsOf(const LabelMap& mask,
                                  const std::vector<Region>& regions) {
  std::vector<RegionLabels> parts;
  for (const Region& region : regions) {
    RegionLabels part;
    part.labels = CropImage(mask, region.area);
    part.confidence = Image::Create(region.area.width, region.area.height, 1);
    parts.push_back(std::move(part));
  }
  return parts;
}

TEST(SplitStitchTest, SplitThenStitchReproducesTheFrameForManyGrids) {
  std::mt19937 rng(7);
  for (int width : {1, 33, 640, 1023}) {
    for (int height : {2, 17, 360}) {
      for (GridSpec spec : {GridSpec{1, 1, 0}, GridSpec{2, 2, 64},
                            GridSpec{3, 2, 5}, GridSpec{2, 5, 1}}) {
        if (spec.rows > height || spec.cols > width) continue;
        const LabelMap mask = RandomImage(width, height, 1, rng);
        absl::StatusOr<std::vector<Region>> regions =
            MakeRegionGrid(mask.size(), spec);
        ASSERT_TRUE(regions.ok());
        // Split the mask itself, as if each region were segmented perfectly.
        std::vector<Image> crops = SplitFrame(mask, *regions);
        std::vector<RegionLabels> parts;
        for (Image& crop : crops) {
          RegionLabels part;
          part.confidence = Image::Create(crop.width, crop.height, 1);
          part.labels = std::move(crop);
          parts.push_back(std::move(part));
        }
        for (StitchMode mode :
             {StitchMode::kCropHalo, StitchMode::kMaxConfidence}) {
          absl::StatusOr<LabelMap> stitched =
              StitchLabels(mask.size(), *regions, parts, mode);
          ASSERT_TRUE(stitched.ok()) << stitched.status();
          ASSERT_EQ(stitched->pixels, mask.pixels)
              << width << "x" << height << " " << spec.ToString();
        }
      }
    }
  }
}

TEST(SplitStitchTest, SplitKeepsColourChannels) {
  std::mt19937 rng(3);
  const Image frame = RandomImage(50, 40, 3, rng);
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid(frame.size(), {2, 2, 4});
  ASSERT_TRUE(regions.ok());
  std::vector<Image> parts = SplitFrame(frame, *regions);
  const Region& last = regions->back();
  ASSERT_EQ(parts.back().width, last.area.width);
  ASSERT_EQ(parts.back().channels, 3);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(parts.back().at(0, 0)[c], frame.at(last.area.x, last.area.y)[c]);
  }
}

TEST(SplitStitchTest, MaxConfidenceLetsTheSurerRegionWinInTheBand) {
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid({20, 4}, {.rows = 1, .cols = 2, .halo = 3});
  ASSERT_TRUE(regions.ok());
  // Region 0 says class 1 everywhere, region 1 class 2. In the band (x 7..12)
  // region 1 is surer on x < 10, region 0 on x >= 10.
  std::vector<RegionLabels> parts(2);
  for (int i = 0; i < 2; ++i) {
    const Rect& area = (*regions)[i].area;
    parts[i].labels = Image::Create(area.width, area.height, 1);
    parts[i].confidence = Image::Create(area.width, area.height, 1);
    for (int y = 0; y < area.height; ++y) {
      for (int x = 0; x < area.width; ++x) {
        const int frame_x = area.x + x;
        parts[i].labels.at(x, y)[0] = static_cast<uint8_t>(i + 1);
        const bool surer = (i == 1) == (frame_x < 10);
        parts[i].confidence.at(x, y)[0] = surer ? 200 : 100;
      }
    }
  }
  absl::StatusOr<LabelMap> stitched =
      StitchLabels({20, 4}, *regions, parts, StitchMode::kMaxConfidence);
  ASSERT_TRUE(stitched.ok());
  for (int x = 0; x < 20; ++x) {
    int expected = x < 7 ? 1 : x < 10 ? 2 : x < 13 ? 1 : 2;
    EXPECT_EQ(stitched->at(x, 2)[0], expected) << "x=" << x;
  }
  // Cropping the halo ignores confidence: the core boundary is x = 10.
  stitched = StitchLabels({20, 4}, *regions, parts, StitchMode::kCropHalo);
  ASSERT_TRUE(stitched.ok());
  EXPECT_EQ(stitched->at(9, 0)[0], 1);
  EXPECT_EQ(stitched->at(10, 0)[0], 2);
}

TEST(SplitStitchTest, RejectsPartsThatDoNotFit) {
  absl::StatusOr<std::vector<Region>> regions =
      MakeRegionGrid({10, 10}, {.rows = 1, .cols = 2, .halo = 2});
  ASSERT_TRUE(regions.ok());
  LabelMap mask = LabelMap::Create(10, 10, 1);
  std::vector<RegionLabels> parts = PartsOf(mask, *regions);

  std::vector<RegionLabels> one(parts.begin(), parts.begin() + 1);
  absl::StatusOr<LabelMap> r =
      StitchLabels({10, 10}, *regions, one, StitchMode::kCropHalo);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("1 region results for 2"));

  std::vector<RegionLabels> wrong = parts;
  wrong[1].labels = LabelMap::Create(3, 3, 1);
  r = StitchLabels({10, 10}, *regions, wrong, StitchMode::kCropHalo);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("region 1 labels are 3x3x1, expected 7x10x1"));

  std::vector<RegionLabels> no_confidence = parts;
  no_confidence[0].confidence = Image();
  r = StitchLabels({10, 10}, *regions, no_confidence,
                   StitchMode::kMaxConfidence);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("needs a 7x10x1 confidence"));
}

}  // namespace
}  // namespace tessera
