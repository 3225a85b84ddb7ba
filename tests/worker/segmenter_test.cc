#include "worker/segmenter.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "common/region_grid.h"
#include "common/split_stitch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/test_models.h"
#include "worker/model_card.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

// A folder private to this process: CTest runs the cases of this suite as
// parallel processes, each writing its own models in SetUpTestSuite.
std::string TempPath(const std::string& name) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path path = std::filesystem::path(::testing::TempDir()) /
                                 ("segmenter-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return (dir / name).string();
}

// A frame with structure at several scales, so a random network's labels
// vary across it.
Image TestFrame(int width, int height, uint32_t seed) {
  std::mt19937 rng(seed);
  Image image = Image::Create(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>((x * 7 + rng() % 40) & 0xff);
      p[1] = static_cast<uint8_t>((y * 5 + rng() % 40) & 0xff);
      p[2] = static_cast<uint8_t>(((x ^ y) * 3) & 0xff);
    }
  }
  return image;
}

std::unique_ptr<Segmenter> Load(const std::string& model) {
  absl::StatusOr<std::unique_ptr<Segmenter>> segmenter =
      CreateSegmenter({.model_path = model, .threads = 1});
  EXPECT_TRUE(segmenter.ok()) << segmenter.status();
  return segmenter.ok() ? *std::move(segmenter) : nullptr;
}

class SegmenterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(
        tools::WriteRandomModel(TempPath("random.pt"), {.classes = 11}).ok());
    ASSERT_TRUE(tools::WriteRandomModel(TempPath("strided.pt"),
                                        {.classes = 11, .stride = 2})
                    .ok());
  }
};

TEST_F(SegmenterTest, RandomModelGivesVariedDeterministicLabels) {
  std::unique_ptr<Segmenter> segmenter = Load(TempPath("random.pt"));
  ASSERT_NE(segmenter, nullptr);
  EXPECT_EQ(segmenter->num_classes(), 11);
  EXPECT_EQ(segmenter->model_name(), "random-fcn");
  const Image frame = TestFrame(97, 61, 1);
  absl::StatusOr<Segmentation> a = segmenter->Segment(frame, true);
  absl::StatusOr<Segmentation> b = segmenter->Segment(frame, true);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->labels.width, 97);
  EXPECT_EQ(a->labels.height, 61);
  EXPECT_EQ(a->labels.pixels, b->labels.pixels);
  std::set<int> classes(a->labels.pixels.begin(), a->labels.pixels.end());
  EXPECT_GE(classes.size(), 3u) << "the test model must not be constant";
  EXPECT_LE(*classes.rbegin(), 10);
  ASSERT_EQ(a->confidence.pixels.size(), a->labels.pixels.size());
  for (uint8_t c : a->confidence.pixels) EXPECT_GE(c, 255 / 11);
}

// With a halo of at least the network's receptive radius (3 px for the 7x7
// field), region-by-region labels equal whole-frame labels exactly.
TEST_F(SegmenterTest, TiledLabelsEqualWholeFrameLabels) {
  std::unique_ptr<Segmenter> segmenter = Load(TempPath("random.pt"));
  ASSERT_NE(segmenter, nullptr);
  for (Size size : {Size{64, 48}, Size{101, 77}, Size{160, 90}}) {
    for (GridSpec grid :
         {GridSpec{2, 2, 3}, GridSpec{3, 2, 4}, GridSpec{2, 3, 8}}) {
      const Image frame = TestFrame(size.width, size.height, size.width);
      absl::StatusOr<Segmentation> whole = segmenter->Segment(frame, false);
      ASSERT_TRUE(whole.ok());
      absl::StatusOr<std::vector<Region>> regions =
          MakeRegionGrid(frame.size(), grid);
      ASSERT_TRUE(regions.ok());
      std::vector<RegionLabels> parts;
      for (const Image& crop : SplitFrame(frame, *regions)) {
        absl::StatusOr<Segmentation> part = segmenter->Segment(crop, false);
        ASSERT_TRUE(part.ok());
        parts.push_back({std::move(part->labels), Image()});
      }
      absl::StatusOr<LabelMap> tiled =
          StitchLabels(frame.size(), *regions, parts, StitchMode::kCropHalo);
      ASSERT_TRUE(tiled.ok());
      EXPECT_EQ(tiled->pixels, whole->labels.pixels)
          << size.width << "x" << size.height << " " << grid.ToString();
    }
  }
}

TEST_F(SegmenterTest, StridedModelsAreUpsampledToTheRegion) {
  std::unique_ptr<Segmenter> segmenter = Load(TempPath("strided.pt"));
  ASSERT_NE(segmenter, nullptr);
  // An odd size: the input is padded to the stride and the logits cropped.
  absl::StatusOr<Segmentation> out =
      segmenter->Segment(TestFrame(33, 21, 5), false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->labels.width, 33);
  EXPECT_EQ(out->labels.height, 21);
}

// A GPU worker's batches: regions of one size share a forward pass, and
// every region gets the labels and confidence it gets alone (up to fp32
// rounding: a batched convolution may sum in another order).
TEST_F(SegmenterTest, ABatchGivesEachRegionItsOwnLabels) {
  for (const char* model : {"random.pt", "strided.pt"}) {
    std::unique_ptr<Segmenter> segmenter = Load(TempPath(model));
    ASSERT_NE(segmenter, nullptr);
    const std::vector<Image> regions = {
        TestFrame(64, 48, 1), TestFrame(64, 48, 2), TestFrame(40, 56, 3),
        TestFrame(64, 48, 4), TestFrame(40, 56, 5)};
    std::vector<const Image*> batch;
    for (const Image& region : regions) batch.push_back(&region);
    absl::StatusOr<std::vector<Segmentation>> together =
        segmenter->SegmentBatch(batch, /*want_confidence=*/true);
    ASSERT_TRUE(together.ok()) << together.status();
    ASSERT_EQ(together->size(), regions.size());
    for (size_t i = 0; i < regions.size(); ++i) {
      absl::StatusOr<Segmentation> alone = segmenter->Segment(regions[i], true);
      ASSERT_TRUE(alone.ok()) << alone.status();
      const std::vector<uint8_t>& labels = (*together)[i].labels.pixels;
      const std::vector<uint8_t>& confidence = (*together)[i].confidence.pixels;
      ASSERT_EQ(labels.size(), alone->labels.pixels.size());
      ASSERT_EQ(confidence.size(), alone->confidence.pixels.size());
      size_t differ = 0;
      int worst = 0;
      for (size_t p = 0; p < labels.size(); ++p) {
        differ += labels[p] != alone->labels.pixels[p];
        worst = std::max(worst,
                         std::abs(confidence[p] - alone->confidence.pixels[p]));
      }
      EXPECT_LE(differ, labels.size() / 1000) << model << " region " << i;
      EXPECT_LE(worst, 1) << model << " region " << i;
    }
  }
}

TEST_F(SegmenterTest, RefusesACardThatDisagreesWithTheNetwork) {
  const std::string model = TempPath("random.pt");
  std::ofstream(TempPath("seven.card.json")) << R"({"name": "x",
    "num_classes": 7, "input_scale": 1, "mean": [0, 0, 0],
    "std": [1, 1, 1], "output_stride": 1})";
  absl::StatusOr<std::unique_ptr<Segmenter>> wrong_classes = CreateSegmenter(
      {.model_path = model, .card_path = TempPath("seven.card.json")});
  EXPECT_EQ(wrong_classes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_classes.status().message(),
              HasSubstr("model outputs 11 classes but its card says 7"));

  std::ofstream(TempPath("stride8.card.json")) << R"({"name": "x",
    "num_classes": 11, "input_scale": 1, "mean": [0, 0, 0],
    "std": [1, 1, 1], "output_stride": 8})";
  absl::StatusOr<std::unique_ptr<Segmenter>> wrong_stride = CreateSegmenter(
      {.model_path = model, .card_path = TempPath("stride8.card.json")});
  EXPECT_EQ(wrong_stride.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_stride.status().message(),
              HasSubstr("not output stride 8 as its card says"));
}

TEST_F(SegmenterTest, MissingOrBrokenFilesGiveOneClearError) {
  absl::StatusOr<std::unique_ptr<Segmenter>> missing =
      CreateSegmenter({.model_path = TempPath("nope.pt")});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(),
              HasSubstr("nope.card.json does not exist"));

  std::ofstream(TempPath("broken.pt")) << "this is not a zip archive";
  std::filesystem::copy_file(TempPath("random.card.json"),
                             TempPath("broken.card.json"),
                             std::filesystem::copy_options::overwrite_existing);
  absl::StatusOr<std::unique_ptr<Segmenter>> broken =
      CreateSegmenter({.model_path = TempPath("broken.pt")});
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(broken.status().message(),
              HasSubstr("cannot load TorchScript model"));
  EXPECT_THAT(std::string(broken.status().message()),
              ::testing::Not(HasSubstr("\n")));

  std::ofstream(TempPath("bad.card.json")) << "{ not json";
  absl::StatusOr<v1::ModelCard> card = LoadModelCard(TempPath("bad.card.json"));
  EXPECT_EQ(card.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(card.status().message(), HasSubstr("is not valid"));

  absl::StatusOr<std::unique_ptr<Segmenter>> backend =
      CreateSegmenter({.backend = "magic"});
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(backend.status().message(), HasSubstr("unknown segmenter"));
}

TEST_F(SegmenterTest, CudaIsRefusedWhereThereIsNone) {
  absl::StatusOr<std::unique_ptr<Segmenter>> cuda = CreateSegmenter(
      {.model_path = TempPath("random.pt"), .device = "cuda:0"});
  if (cuda.ok()) GTEST_SKIP() << "this machine has CUDA";
  EXPECT_EQ(cuda.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(cuda.status().message(), HasSubstr("no CUDA"));
  absl::StatusOr<std::unique_ptr<Segmenter>> weird =
      CreateSegmenter({.model_path = TempPath("random.pt"), .device = "tpu"});
  EXPECT_EQ(weird.status().code(), absl::StatusCode::kInvalidArgument);
}

// Share of pixels on which two label maps of one size agree.
double Agreement(const LabelMap& a, const LabelMap& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    same += a.pixels[i] == b.pixels[i];
  }
  return static_cast<double>(same) / a.pixels.size();
}

TEST_F(SegmenterTest, ChannelsLastAndBf16KeepTheLabels) {
  const std::string model = std::string(TESSERA_MODELS_DIR) + "/camvid.pt";
  const Image frame = TestFrame(160, 96, 7);
  absl::StatusOr<Segmentation> reference = Load(model)->Segment(frame, false);
  ASSERT_TRUE(reference.ok()) << reference.status();
  for (const auto& [precision, channels_last, at_least] :
       {std::tuple<std::string, bool, double>{"fp32", true, 0.999},
        {"bf16", false, 0.95},
        {"bf16", true, 0.95}}) {
    absl::StatusOr<std::unique_ptr<Segmenter>> segmenter =
        CreateSegmenter({.model_path = model,
                         .threads = 1,
                         .precision = precision,
                         .channels_last = channels_last});
    ASSERT_TRUE(segmenter.ok()) << segmenter.status();
    absl::StatusOr<std::vector<Segmentation>> batch =
        (*segmenter)->SegmentBatch({&frame, &frame}, true);
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (const Segmentation& out : *batch) {
      EXPECT_GE(Agreement(out.labels, reference->labels), at_least)
          << precision << (channels_last ? ", channels-last" : "");
      EXPECT_EQ(out.confidence.size(), frame.size());
    }
  }
}

TEST_F(SegmenterTest, PrecisionsADeviceCannotRunAreRefused) {
  absl::StatusOr<std::unique_ptr<Segmenter>> half = CreateSegmenter(
      {.model_path = TempPath("random.pt"), .precision = "fp16"});
  EXPECT_EQ(half.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(half.status().message(), HasSubstr("needs a CUDA device"));
  absl::StatusOr<std::unique_ptr<Segmenter>> odd = CreateSegmenter(
      {.model_path = TempPath("random.pt"), .precision = "int3"});
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(odd.status().message(), HasSubstr("'int3' is not fp32"));
}

TEST_F(SegmenterTest, CudaGraphsOnACpuAreRefused) {
  absl::StatusOr<std::unique_ptr<Segmenter>> graphed = CreateSegmenter(
      {.model_path = TempPath("random.pt"), .cuda_graphs = true});
  EXPECT_EQ(graphed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(graphed.status().message(), HasSubstr("need a CUDA device"));
}

TEST_F(SegmenterTest, LanesRunBatchesSideBySideWithTheirOwnLabels) {
  std::unique_ptr<Segmenter> one_lane = Load(TempPath("strided.pt"));
  ASSERT_NE(one_lane, nullptr);
  EXPECT_FALSE(one_lane->concurrent_batches());
  absl::StatusOr<std::unique_ptr<Segmenter>> lanes = CreateSegmenter(
      {.model_path = TempPath("strided.pt"), .threads = 1, .lanes = 3});
  ASSERT_TRUE(lanes.ok()) << lanes.status();
  EXPECT_TRUE((*lanes)->concurrent_batches());

  constexpr int kThreads = 4;
  std::vector<Image> regions;
  std::vector<Segmentation> expected;
  for (int t = 0; t < kThreads; ++t) {
    regions.push_back(TestFrame(64, 48, 20 + t));
  }
  // Batches of the same shape as below, so that the arithmetic is the same.
  for (int t = 0; t < kThreads; ++t) {
    absl::StatusOr<std::vector<Segmentation>> alone =
        one_lane->SegmentBatch({&regions[t], &regions[t]}, true);
    ASSERT_TRUE(alone.ok()) << alone.status();
    expected.push_back(std::move(alone->front()));
  }
  // More threads than lanes: some wait for a lane, none shares one.
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        absl::StatusOr<std::vector<Segmentation>> out =
            (*lanes)->SegmentBatch({&regions[t], &regions[t]}, true);
        if (!out.ok()) {
          ++mismatches[t];
          continue;
        }
        for (const Segmentation& each : *out) {
          mismatches[t] +=
              each.labels.pixels != expected[t].labels.pixels ||
              each.confidence.pixels != expected[t].confidence.pixels;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << t;
}

TEST_F(SegmenterTest, LaneCountsOutOfRangeAreRefused) {
  for (int lanes : {0, kMaxSegmenterLanes + 1}) {
    absl::StatusOr<std::unique_ptr<Segmenter>> segmenter =
        CreateSegmenter({.model_path = TempPath("random.pt"), .lanes = lanes});
    EXPECT_EQ(segmenter.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(segmenter.status().message(), HasSubstr("lanes"));
  }
  absl::StatusOr<std::unique_ptr<Segmenter>> staged = CreateSegmenter(
      {.model_path = TempPath("random.pt"), .lanes = 2, .serve_stages = true});
  EXPECT_EQ(staged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(staged.status().message(), HasSubstr("do not mix"));
}

TEST(ModelCardTest, ValidatesFields) {
  v1::ModelCard card;
  card.set_num_classes(3);
  card.set_input_scale(1);
  card.set_output_stride(1);
  for (int i = 0; i < 3; ++i) {
    card.add_mean(0);
    card.add_std(1);
  }
  EXPECT_TRUE(ValidateModelCard(card).ok());
  v1::ModelCard names = card;
  names.add_class_names("only one");
  EXPECT_THAT(ValidateModelCard(names).message(),
              HasSubstr("1 class names for 3 classes"));
  v1::ModelCard half = card;
  half.set_input_width(100);
  EXPECT_THAT(ValidateModelCard(half).message(),
              HasSubstr("give both (fixed size) or neither"));
  v1::ModelCard zero_std = card;
  zero_std.set_std(1, 0);
  EXPECT_THAT(ValidateModelCard(zero_std).message(), HasSubstr("std"));
  EXPECT_EQ(ModelCardPathFor("a/b/net.pt"), "a/b/net.card.json");
}

TEST(NullSegmenterTest, LabelsFollowBrightness) {
  absl::StatusOr<std::unique_ptr<Segmenter>> null =
      CreateSegmenter({.backend = "null", .null_classes = 4});
  ASSERT_TRUE(null.ok());
  Image image = Image::Create(2, 1, 3);
  image.at(1, 0)[0] = image.at(1, 0)[1] = image.at(1, 0)[2] = 255;
  absl::StatusOr<Segmentation> out = (*null)->Segment(image, false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->labels.pixels, (std::vector<uint8_t>{0, 3}));
  EXPECT_EQ((*null)->model_name(), "null");
}

}  // namespace
}  // namespace tessera::worker
