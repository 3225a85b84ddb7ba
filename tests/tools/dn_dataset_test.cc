#include "tools/dn_dataset.h"

#include <filesystem>
#include <fstream>

#include "common/image_codec.h"
#include "common/region_grid.h"
#include "common/split_stitch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/decision_network.h"
#include "worker/flow_path.h"
#include "worker/region_processor.h"

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

// A textured frame moved right by `shift` pixels.
Image MovedTexture(int shift) {
  Image image = Image::Create(96, 64, 3);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const int u = x - shift;
      for (int c = 0; c < 3; ++c) {
        image.at(x, y)[c] = static_cast<uint8_t>(
            ((u / 6 + y / 6) % 2 + 2) % 2 * 160 + 40 * c + (u % 7 + 7) % 7);
      }
    }
  }
  return image;
}

// Frames of a texture moving 2 pixels a frame.
class MovingClip final : public Clip {
 public:
  explicit MovingClip(int frames) : frames_(frames) {}
  absl::StatusOr<std::optional<Image>> Next() override {
    if (next_ == frames_) return std::nullopt;
    return MovedTexture(2 * next_++);
  }
  std::string name() const override { return "moving"; }

 private:
  int frames_;
  int next_ = 0;
};

// The samples a network learns from must be what a worker computes: a
// worker that carries its warps, warping every frame of a region from the
// key of frame 0, scores each frame as the shipped network scores the
// sample of the same frame and gap; every other frame as the current one
// gives the same samples on those frames. With a window (the network's
// margin around the stitched core of two regions), the worker works on the
// same window as the samples.
class BuildDnSamplesTest : public ::testing::TestWithParam<bool> {};

TEST_P(BuildDnSamplesTest, CarriedSamplesAreWhatACarryingWorkerSees) {
  constexpr int kFrames = 6;
  const bool windowed = GetParam();
  std::unique_ptr<worker::Segmenter> segmenter =
      *worker::CreateSegmenter({.backend = "null", .null_classes = 11});
  std::unique_ptr<worker::OpticalFlow> flow =
      *worker::CreateOpticalFlow({.backend = "dis"});
  absl::StatusOr<std::unique_ptr<worker::DecisionNetwork>> shipped =
      worker::LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) +
                                  "/synth.dn.json");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  v1::DecisionNetwork spec = (*shipped)->spec();
  spec.clear_window_margin();
  if (windowed) spec.set_window_margin(4);
  std::unique_ptr<worker::DecisionNetwork> dn =
      *worker::MakeDecisionNetwork(spec);
  DnDatasetOptions options;
  // Two regions 64 px wide with 48-px cores; the window is 52 px wide.
  options.grid = windowed ? GridSpec{1, 2, 16} : GridSpec{1, 1, 0};
  options.window_margin = windowed ? 4 : -1;
  options.carried_warps = true;
  MovingClip clip(kFrames);
  absl::StatusOr<std::vector<DnSample>> samples =
      BuildDnSamples(clip, *segmenter, *flow, options);
  ASSERT_TRUE(samples.ok()) << samples.status();
  const int regions = windowed ? 2 : 1;
  // Frame t has gaps 0..t, in order, each with every region.
  ASSERT_EQ(samples->size(),
            static_cast<size_t>(regions * kFrames * (kFrames + 1) / 2));
  auto sample_at = [&](int frame, int gap, int region) {
    return (*samples)[regions * (frame * (frame + 1) / 2 + gap) + region];
  };

  worker::FlowPath path(*flow, *dn, nullptr, options.warp,
                        /*carry_warps=*/true);
  worker::RegionProcessor processor(*segmenter, {}, &path);
  const std::vector<Region> grid = *MakeRegionGrid({96, 64}, options.grid);
  for (int t = 0; t < kFrames; ++t) {
    const Image frame = MovedTexture(2 * t);
    for (int r = 0; r < regions; ++r) {
      const Image image = CropImage(frame, grid[r].area);
      const std::string raw(image.pixels.begin(), image.pixels.end());
      absl::StatusOr<worker::RegionResultOut> out =
          processor.Process({.task = static_cast<uint64_t>(t * regions + r) + 1,
                             .stream = "s",
                             .region = r,
                             .frame_index = static_cast<uint64_t>(t),
                             .image_bytes = raw,
                             .declared = {image.width, image.height, 3},
                             .policy = {.allow_flow = true,
                                        .threshold = 0,
                                        .max_key_age = 12,
                                        .keep_key = true},
                             .stitched = grid[r].CoreInArea()});
      ASSERT_TRUE(out.ok()) << out.status();
      if (t == 0) continue;  // the key
      ASSERT_TRUE(out->flow_path) << "frame " << t;
      EXPECT_EQ(out->warped_from_frame_index, static_cast<uint64_t>(t - 1));
      worker::DecisionFeatures features;
      features.values = sample_at(t, t, r).features;
      EXPECT_NEAR(out->score, dn->Score(features), 1e-4)
          << "frame " << t << ", region " << r;
    }
  }

  options.frame_step = 2;
  MovingClip again(kFrames);
  absl::StatusOr<std::vector<DnSample>> every_other =
      BuildDnSamples(again, *segmenter, *flow, options);
  ASSERT_TRUE(every_other.ok()) << every_other.status();
  size_t i = 0;
  for (int t = 0; t < kFrames; t += 2) {
    for (int gap = 0; gap <= t; ++gap) {
      for (int r = 0; r < regions; ++r, ++i) {
        ASSERT_LT(i, every_other->size());
        EXPECT_EQ((*every_other)[i].features, sample_at(t, gap, r).features)
            << "frame " << t << ", gap " << gap;
        EXPECT_EQ((*every_other)[i].agreement, sample_at(t, gap, r).agreement);
      }
    }
  }
  EXPECT_EQ(i, every_other->size());
}

INSTANTIATE_TEST_SUITE_P(WholeOrWindowed, BuildDnSamplesTest,
                         ::testing::Bool());

}  // namespace
}  // namespace tessera::tools
