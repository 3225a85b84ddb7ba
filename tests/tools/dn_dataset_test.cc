#include "tools/dn_dataset.h"

#include <filesystem>
#include <fstream>

#include "common/image_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::tools {
namespace {

using ::testing::HasSubstr;

// A folder of `n` PNG frames whose first pixel is the frame's number.
std::string NumberedFrames(int n) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("dn-clip-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (int i = 0; i < n; ++i) {
    Image image = Image::Create(8, 6, 3);
    image.pixels[0] = static_cast<uint8_t>(i);
    absl::StatusOr<std::string> png = EncodeImage(image, Encoding::kPng);
    char name[32];
    std::snprintf(name, sizeof(name), "%06d.png", i);
    std::ofstream(dir / name, std::ios::binary) << *png;
  }
  return dir.string();
}

std::vector<int> FirstPixels(Clip& clip) {
  std::vector<int> seen;
  for (;;) {
    absl::StatusOr<std::optional<Image>> frame = clip.Next();
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (!frame.ok() || !*frame) break;
    seen.push_back((*frame)->pixels[0]);
  }
  return seen;
}

TEST(OpenClipTest, AFrameRangeSelectsPartOfASource) {
  const std::string dir = NumberedFrames(6);
  absl::StatusOr<std::unique_ptr<Clip>> all = OpenClip(dir, {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(FirstPixels(**all), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  absl::StatusOr<std::unique_ptr<Clip>> part = OpenClip(dir + "@2:5", {});
  ASSERT_TRUE(part.ok()) << part.status();
  EXPECT_EQ(FirstPixels(**part), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ((*part)->name(), dir + "@2:5");
  // max_frames caps a range too.
  absl::StatusOr<std::unique_ptr<Clip>> capped =
      OpenClip(dir + "@1:6", {.max_frames = 2});
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(FirstPixels(**capped), (std::vector<int>{1, 2}));
  std::filesystem::remove_all(dir);
}

TEST(OpenClipTest, MalformedRangesAreNamed) {
  for (const char* spec :
       {"clip.mp4@5:2", "clip.mp4@3:3", "clip.mp4@-1:3", "clip.mp4@1:2:3"}) {
    absl::StatusOr<std::unique_ptr<Clip>> clip = OpenClip(spec, {});
    EXPECT_EQ(clip.status().code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_THAT(clip.status().message(), HasSubstr(spec));
  }
  absl::StatusOr<std::unique_ptr<Clip>> seed = OpenClip("synth:abc", {});
  EXPECT_THAT(seed.status().message(), HasSubstr("expected synth:SEED"));
}

TEST(AgreementTest, PixelsAndClassesByHand) {
  LabelMap warped = LabelMap::Create(4, 1, 1);
  LabelMap segmented = LabelMap::Create(4, 1, 1);
  warped.pixels = {0, 0, 0, 1};  // one pixel of a small class, wrongly
  segmented.pixels = {0, 0, 0, 0};
  EXPECT_DOUBLE_EQ(AgreementOf(DnTarget::kPixels, warped, segmented), 75.0);
  // Class 0: IoU 3/4; class 1: IoU 0/1 -> mean 37.5.
  EXPECT_DOUBLE_EQ(AgreementOf(DnTarget::kClasses, warped, segmented), 37.5);
  EXPECT_DOUBLE_EQ(AgreementOf(DnTarget::kClasses, segmented, segmented),
                   100.0);
  EXPECT_EQ(*ParseDnTarget("classes"), DnTarget::kClasses);
  EXPECT_THAT(ParseDnTarget("mious").status().message(),
              HasSubstr("--target=mious"));
}

}  // namespace
}  // namespace tessera::tools
