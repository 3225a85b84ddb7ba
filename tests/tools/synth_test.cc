#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/flow_field.h"
#include "common/warp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/synth_output.h"
#include "tools/synth_scene.h"

namespace tessera::tools {
namespace {

using ::testing::HasSubstr;

constexpr int kClasses = 11;

std::vector<SynthFrame> Generate(const SynthOptions& options) {
  auto scene = SynthScene::Create(options);
  EXPECT_TRUE(scene.ok()) << scene.status();
  std::vector<SynthFrame> frames;
  if (!scene.ok()) return frames;
  for (int n = 0; n < options.frames; ++n) {
    absl::StatusOr<SynthFrame> frame = (*scene)->Next();
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (!frame.ok()) break;
    frames.push_back(*std::move(frame));
  }
  return frames;
}

// The default clip: 50 frames of 640x360, seed 1, shared by several tests.
const std::vector<SynthFrame>& DefaultClip() {
  static const auto* clip = new std::vector<SynthFrame>(Generate({}));
  return *clip;
}

bool SameBytes(const SynthFrame& a, const SynthFrame& b) {
  return a.image.pixels == b.image.pixels &&
         a.labels.pixels == b.labels.pixels && a.flow == b.flow &&
         a.occlusion.pixels == b.occlusion.pixels;
}

TEST(SynthSceneTest, FramesHaveTheRequestedShape) {
  const std::vector<SynthFrame> frames =
      Generate({.width = 200, .height = 96, .frames = 3});
  ASSERT_EQ(frames.size(), 3u);
  for (const SynthFrame& f : frames) {
    EXPECT_EQ(f.image.size(), (Size{200, 96}));
    EXPECT_EQ(f.image.channels, 3);
    EXPECT_EQ(f.image.pixels.size(), 200u * 96 * 3);
    EXPECT_EQ(f.labels.channels, 1);
    EXPECT_EQ(f.labels.pixels.size(), 200u * 96);
    EXPECT_EQ(f.flow.size(), 2u * 200 * 96);
    EXPECT_EQ(f.occlusion.channels, 1);
    EXPECT_EQ(f.occlusion.pixels.size(), 200u * 96);
  }
}

TEST(SynthSceneTest, SameSeedGivesSameBytesOtherSeedDiffers) {
  const SynthOptions options{
      .width = 320, .height = 180, .frames = 6, .seed = 42};
  const std::vector<SynthFrame> a = Generate(options);
  const std::vector<SynthFrame> b = Generate(options);
  SynthOptions other_options = options;
  other_options.seed = 43;
  const std::vector<SynthFrame> other = Generate(other_options);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  ASSERT_EQ(other.size(), 6u);
  for (size_t n = 0; n < a.size(); ++n) {
    EXPECT_TRUE(SameBytes(a[n], b[n])) << "frame " << n;
    EXPECT_NE(a[n].image.pixels, other[n].image.pixels) << "frame " << n;
  }
}

// All 11 CamVid classes, not just 9: the cyclist is always placed ahead at
// the start of a scene and poles, signs and fences line every street.
TEST(SynthSceneTest, AllElevenClassesAppearAndNoVoid) {
  const std::vector<SynthFrame>& clip = DefaultClip();
  ASSERT_EQ(clip.size(), 50u);
  std::vector<int64_t> count(256, 0);
  for (const SynthFrame& f : clip) {
    for (uint8_t id : f.labels.pixels) ++count[id];
  }
  for (int c = 0; c < kClasses; ++c) EXPECT_GT(count[c], 0) << "class " << c;
  for (int c = kClasses; c < 256; ++c) EXPECT_EQ(count[c], 0) << "id " << c;
}

TEST(SynthSceneTest, FirstFrameHasNoFlowAndIsAllOccluded) {
  const SynthFrame& first = DefaultClip().front();
  EXPECT_TRUE(first.scene_cut);
  EXPECT_TRUE(std::all_of(first.flow.begin(), first.flow.end(),
                          [](float v) { return v == 0; }));
  EXPECT_TRUE(std::all_of(first.occlusion.pixels.begin(),
                          first.occlusion.pixels.end(),
                          [](uint8_t v) { return v == 1; }));
}

// Warping frame t-1's labels by the backward flow (nearest neighbour) must
// give frame t's labels wherever the pixel was visible in t-1.
TEST(SynthSceneTest, FlowCarriesLabelsFromThePreviousFrame) {
  const std::vector<SynthFrame>& clip = DefaultClip();
  const int w = clip[0].labels.width;
  const int h = clip[0].labels.height;
  for (size_t t = 1; t < clip.size(); ++t) {
    const SynthFrame& prev = clip[t - 1];
    const SynthFrame& cur = clip[t];
    int64_t visible = 0;
    int64_t agree = 0;
    int64_t moving = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const size_t p = static_cast<size_t>(y) * w + x;
        if (cur.occlusion.pixels[p] != 0) continue;
        const float dx = cur.flow[2 * p];
        const float dy = cur.flow[2 * p + 1];
        const auto qx = static_cast<int>(std::floor(x + dx + 0.5f));
        const auto qy = static_cast<int>(std::floor(y + dy + 0.5f));
        ASSERT_TRUE(qx >= 0 && qx < w && qy >= 0 && qy < h)
            << "visible pixel " << x << "," << y << " flows outside";
        ++visible;
        agree += prev.labels.pixels[static_cast<size_t>(qy) * w + qx] ==
                 cur.labels.pixels[p];
        moving += std::hypot(dx, dy) > 0.5f;
      }
    }
    // A sanity bound so the test cannot pass by occluding everything.
    EXPECT_GT(visible, static_cast<int64_t>(w) * h * 8 / 10) << "frame " << t;
    EXPECT_GT(moving, visible / 4) << "frame " << t;  // the camera moves
    EXPECT_GE(static_cast<double>(agree) / visible, 0.98) << "frame " << t;
  }
}

// The flow path's own warp (common/warp.h) driven by the generator's exact
// flow: it must carry frame t-1's labels onto frame t away from occlusions
// (the flow path's accuracy ceiling, before any flow estimation error).
TEST(SynthSceneTest, TheFlowPathWarpReproducesTheNextLabels) {
  const std::vector<SynthFrame>& clip = DefaultClip();
  const int w = clip[0].labels.width;
  const int h = clip[0].labels.height;
  for (size_t t = 1; t < clip.size(); ++t) {
    FlowField flow;
    flow.width = w;
    flow.height = h;
    flow.vectors = clip[t].flow;
    absl::StatusOr<Image> warped = WarpNearest(clip[t - 1].labels, flow);
    ASSERT_TRUE(warped.ok()) << warped.status();
    int64_t visible = 0;
    int64_t agree = 0;
    for (size_t p = 0; p < warped->pixels.size(); ++p) {
      if (clip[t].occlusion.pixels[p] != 0) continue;
      ++visible;
      agree += warped->pixels[p] == clip[t].labels.pixels[p];
    }
    EXPECT_GT(visible, static_cast<int64_t>(w) * h * 8 / 10) << "frame " << t;
    EXPECT_GE(static_cast<double>(agree) / visible, 0.98) << "frame " << t;
  }
}

TEST(SynthSceneTest, SceneCutsRestartTheFlow) {
  const std::vector<SynthFrame> frames =
      Generate({.width = 160, .height = 96, .frames = 7, .scene_cut_every = 3});
  ASSERT_EQ(frames.size(), 7u);
  for (const SynthFrame& f : frames) {
    const bool cut = f.index % 3 == 0;
    EXPECT_EQ(f.scene_cut, cut) << "frame " << f.index;
    const auto occluded =
        std::count(f.occlusion.pixels.begin(), f.occlusion.pixels.end(), 1);
    if (cut) {
      EXPECT_EQ(occluded, 160 * 96) << "frame " << f.index;
      EXPECT_TRUE(std::all_of(f.flow.begin(), f.flow.end(),
                              [](float v) { return v == 0; }));
    } else {
      EXPECT_LT(occluded, 160 * 96 / 4) << "frame " << f.index;
    }
  }
  // A new scene looks different from the one before it.
  EXPECT_NE(frames[2].labels.pixels, frames[3].labels.pixels);
}

TEST(SynthSceneTest, StopsAfterTheLastFrame) {
  auto scene = SynthScene::Create({.width = 64, .height = 64, .frames = 1});
  ASSERT_TRUE(scene.ok()) << scene.status();
  ASSERT_TRUE((*scene)->Next().ok());
  absl::StatusOr<SynthFrame> extra = (*scene)->Next();
  EXPECT_EQ(extra.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(extra.status().message(), HasSubstr("all 1 frames"));
}

struct BadOptionsCase {
  SynthOptions options;
  std::string message;
};

class SynthBadOptionsTest : public ::testing::TestWithParam<BadOptionsCase> {};

TEST_P(SynthBadOptionsTest, IsInvalidArgumentNamingTheValue) {
  auto scene = SynthScene::Create(GetParam().options);
  ASSERT_FALSE(scene.ok());
  EXPECT_EQ(scene.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(scene.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    All, SynthBadOptionsTest,
    ::testing::Values(
        BadOptionsCase{{.width = 0}, "width must be in [64, 8192], got 0"},
        BadOptionsCase{{.width = -5}, "width must be in [64, 8192], got -5"},
        BadOptionsCase{{.width = 63}, "width must be in [64, 8192], got 63"},
        BadOptionsCase{{.height = 8193},
                       "height must be in [64, 8192], got 8193"},
        BadOptionsCase{{.frames = 0}, "frames must be at least 1, got 0"},
        BadOptionsCase{{.fps = 0}, "fps must be positive and finite, got 0"},
        BadOptionsCase{{.fps = -25},
                       "fps must be positive and finite, got -25"},
        BadOptionsCase{{.fps = NAN}, "fps must be positive and finite"},
        BadOptionsCase{{.scene_cut_every = -1},
                       "scene_cut_every must be 0 (never) or positive, got "
                       "-1"}));

TEST(SynthOutputTest, FloRoundTripsAndHasTheMiddleburyHeader) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "synth_test_roundtrip.flo")
          .string();
  const std::vector<float> flow = {0.5f, -1.25f, 3.0f, 0.0f, -7.5f, 2.0f};
  ASSERT_TRUE(WriteFlo(path, 3, 1, flow).ok());
  FILE* file = std::fopen(path.c_str(), "rb");
  ASSERT_NE(file, nullptr);
  float tag = 0;
  int32_t size[2] = {0, 0};
  ASSERT_EQ(std::fread(&tag, 4, 1, file), 1u);
  ASSERT_EQ(std::fread(size, 4, 2, file), 2u);
  std::fclose(file);
  EXPECT_EQ(tag, 202021.25f);
  EXPECT_EQ(size[0], 3);
  EXPECT_EQ(size[1], 1);
  EXPECT_EQ(std::filesystem::file_size(path), 12u + 6 * 4);
  absl::StatusOr<FloFile> back = ReadFlo(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->width, 3);
  EXPECT_EQ(back->height, 1);
  EXPECT_EQ(back->flow, flow);

  absl::Status wrong = WriteFlo(path, 2, 2, flow);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.message(), HasSubstr("has 6 values, expected 2 x 2 x 2"));
  std::filesystem::remove(path);
}

TEST(SynthOutputTest, ReadFloRejectsOtherFiles) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "synth_test_bad.flo").string();
  FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fputs("PNG? not a flow file", file);
  std::fclose(file);
  absl::StatusOr<FloFile> read = ReadFlo(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(read.status().message(), HasSubstr("is not a .flo file"));
  std::filesystem::remove(path);
}

TEST(SynthOutputTest, WriterLaysOutTheFolder) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "synth_test_writer";
  std::filesystem::remove_all(dir);
  const std::vector<SynthFrame> frames =
      Generate({.width = 96, .height = 64, .frames = 2});
  auto writer = SynthWriter::Open(dir.string(), 25, /*video=*/false);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (const SynthFrame& f : frames) ASSERT_TRUE((*writer)->Write(f).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  for (const char* file : {"frames/000000.png", "labels/000001.png",
                           "occlusion/000001.png", "flow/000001.flo"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  }
  absl::StatusOr<FloFile> flo = ReadFlo((dir / "flow/000001.flo").string());
  ASSERT_TRUE(flo.ok()) << flo.status();
  EXPECT_EQ(flo->flow, frames[1].flow);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera::tools
