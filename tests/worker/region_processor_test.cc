#include "worker/region_processor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Segmenter> Null() {
  return *CreateSegmenter({.backend = "null", .null_classes = 11});
}

TEST(RegionProcessorTest, SegmentsAndEncodesARegion) {
  std::unique_ptr<Segmenter> segmenter = Null();
  RegionProcessor processor(*segmenter, {});
  Image region = Image::Create(16, 8, 3);
  for (size_t i = 0; i < region.pixels.size(); ++i) {
    region.pixels[i] = static_cast<uint8_t>(i);
  }
  std::string raw(region.pixels.begin(), region.pixels.end());
  for (Encoding labels : {Encoding::kRaw, Encoding::kPng}) {
    absl::StatusOr<RegionResultOut> out =
        processor.Process({.task = 7,
                           .image_bytes = raw,
                           .encoding = Encoding::kRaw,
                           .declared = {16, 8, 3},
                           .want_confidence = true,
                           .label_encoding = labels});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->task, 7u);
    absl::StatusOr<Image> decoded =
        DecodeImage(out->labels, labels, {16, 8, 1});
    ASSERT_TRUE(decoded.ok());
    absl::StatusOr<Segmentation> direct = segmenter->Segment(region, false);
    EXPECT_EQ(decoded->pixels, direct->labels.pixels);
    EXPECT_FALSE(out->confidence.empty());
    EXPECT_GT(out->compute_ms, 0);
  }
}

TEST(RegionProcessorTest, RejectsBadPixelsNamingTheTask) {
  std::unique_ptr<Segmenter> segmenter = Null();
  RegionProcessor processor(*segmenter, {.max_width = 100, .max_height = 100});
  absl::StatusOr<RegionResultOut> short_raw =
      processor.Process({.task = 3,
                         .image_bytes = "abc",
                         .encoding = Encoding::kRaw,
                         .declared = {16, 8, 3}});
  EXPECT_EQ(short_raw.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_raw.status().message(), HasSubstr("task 3"));
  absl::StatusOr<RegionResultOut> garbage = processor.Process(
      {.task = 4, .image_bytes = "garbage", .encoding = Encoding::kJpeg});
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  std::string huge(200 * 10 * 3, 'x');
  absl::StatusOr<RegionResultOut> too_big =
      processor.Process({.task = 5,
                         .image_bytes = huge,
                         .encoding = Encoding::kRaw,
                         .declared = {200, 10, 3}});
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace tessera::worker
