// The worker's DVS pieces: the shipped decision network against the scores
// recorded when it was trained, the local key buffer, and RegionProcessor's
// path choice (key age limit, thresholds, forwarded keys) with real DIS
// flow and the shipped decision network.
#include <filesystem>
#include <fstream>
#include <limits>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "worker/decision_network.h"
#include "worker/local_key_buffer.h"
#include "worker/optical_flow.h"
#include "worker/region_processor.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

const std::string kDnPath = std::string(TESSERA_MODELS_DIR) + "/synth.dn.json";

class ShippedDecisionNetworkTest
    : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedDecisionNetworkTest, GivesItsRecordedScores) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn = LoadDecisionNetwork(
      std::string(TESSERA_MODELS_DIR) + "/" + GetParam() + ".dn.json");
  ASSERT_TRUE(dn.ok()) << dn.status();
  EXPECT_EQ((*dn)->spec().segmentation_model(), GetParam());
  const v1::DecisionNetwork& spec = (*dn)->spec();
  ASSERT_GE(spec.reference_size(), 4);
  for (const auto& reference : spec.reference()) {
    ASSERT_EQ(reference.features_size(), kDecisionFeatureCount);
    DecisionFeatures features;
    for (int i = 0; i < kDecisionFeatureCount; ++i) {
      features.values[i] = reference.features(i);
    }
    const float score = (*dn)->Score(features);
    EXPECT_NEAR(score, reference.score(), 1e-3);
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 100);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedDecisionNetworkTest,
                         ::testing::Values("synth", "camvid"));

TEST(DecisionNetworkTest, ANonFiniteInputScoresZero) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn =
      LoadDecisionNetwork(kDnPath);
  ASSERT_TRUE(dn.ok()) << dn.status();
  DecisionFeatures features;
  features.values[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ((*dn)->Score(features), 0.0f);
}

TEST(DecisionNetworkTest, MissingAndBrokenFilesAreNamed) {
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> missing =
      LoadDecisionNetwork("/nonexistent/x.dn.json");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/x.dn.json"));

  const std::string broken =
      (std::filesystem::temp_directory_path() /
       ("broken-" + std::to_string(getpid()) + ".dn.json"))
          .string();
  std::ofstream(broken) << "{\"layers\": [";
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> bad =
      LoadDecisionNetwork(broken);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(broken));
  std::filesystem::remove(broken);
}

std::shared_ptr<KeyFrame> KeyAt(uint64_t frame) {
  auto key = std::make_shared<KeyFrame>();
  key->frame_index = frame;
  return key;
}

TEST(LocalKeyBufferTest, KeepsTheNewerKeyOfARegion) {
  LocalKeyBuffer keys(4);
  EXPECT_TRUE(keys.Offer("s", 0, KeyAt(5)));
  EXPECT_FALSE(keys.Offer("s", 0, KeyAt(3)));  // older: refused
  EXPECT_EQ(keys.Find("s", 0)->frame_index, 5u);
  EXPECT_TRUE(keys.Offer("s", 0, KeyAt(8)));
  EXPECT_EQ(keys.Find("s", 0)->frame_index, 8u);
  EXPECT_EQ(keys.Find("s", 1), nullptr);
  EXPECT_EQ(keys.Find("other", 0), nullptr);
}

TEST(LocalKeyBufferTest, EvictsTheLeastRecentlyUsedWhenFull) {
  LocalKeyBuffer keys(2);
  keys.Offer("s", 0, KeyAt(1));
  keys.Offer("s", 1, KeyAt(1));
  ASSERT_NE(keys.Find("s", 0), nullptr);  // region 0 used last
  keys.Offer("s", 2, KeyAt(1));
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_NE(keys.Find("s", 0), nullptr);
  EXPECT_EQ(keys.Find("s", 1), nullptr);
  EXPECT_NE(keys.Find("s", 2), nullptr);
  EXPECT_EQ(keys.evictions(), 1u);
}

TEST(LocalKeyBufferTest, CarriesFramesOfTheHeldKeyOnly) {
  LocalKeyBuffer keys(4);
  EXPECT_FALSE(keys.Carry("s", 0, 5, KeyAt(6))) << "no key held";
  ASSERT_TRUE(keys.Offer("s", 0, KeyAt(5)));
  EXPECT_FALSE(keys.Carry("s", 0, 4, KeyAt(6))) << "from another key";
  EXPECT_FALSE(keys.Carry("s", 0, 5, KeyAt(5))) << "not after the key";
  EXPECT_TRUE(keys.Carry("s", 0, 5, KeyAt(7)));
  EXPECT_FALSE(keys.Carry("s", 0, 5, KeyAt(6))) << "older than the carried";
  EXPECT_EQ(keys.FindCarried("s", 0)->frame_index, 7u);
  EXPECT_EQ(keys.FindCarried("s", 1), nullptr);

  // The same key forwarded again keeps what was carried from it; a newer
  // key drops it.
  ASSERT_TRUE(keys.Offer("s", 0, KeyAt(5)));
  EXPECT_EQ(keys.FindCarried("s", 0)->frame_index, 7u);
  ASSERT_TRUE(keys.Offer("s", 0, KeyAt(9)));
  EXPECT_EQ(keys.FindCarried("s", 0), nullptr);
  EXPECT_EQ(keys.Find("s", 0)->frame_index, 9u);
}

// A textured region and the same region shifted right by `shift` pixels.
Image Texture(int width, int height, int shift) {
  Image image = Image::Create(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int u = x - shift;
      for (int c = 0; c < 3; ++c) {
        image.at(x, y)[c] =
            static_cast<uint8_t>(((u / 6 + y / 6) % 2) * 160 + 40 * c + u % 7);
      }
    }
  }
  return image;
}

// A carried warp's chain features add this warp's statistics to those of
// the warps before it; from the key they equal this warp's own.
TEST(DecisionFeaturesTest, ChainFeaturesAddUpTheWarpsFromTheKey) {
  const Image key = Texture(64, 48, 0);
  const Image current = Texture(64, 48, 3);
  FlowField flow = FlowField::Zero(64, 48);
  for (int y = 0; y < 48; ++y) {
    for (int x = 0; x < 64; ++x) flow.dx(x, y) = -3;  // exact
  }
  absl::StatusOr<DecisionFeatures> alone =
      ComputeDecisionFeatures(current, key, {}, flow, 1);
  ASSERT_TRUE(alone.ok()) << alone.status();
  const auto& a = alone->values;
  EXPECT_FLOAT_EQ(a[1], 3) << "flow_mean";
  EXPECT_GT(a[6], 0) << "the left columns come from outside the key";
  const WarpChain first = ChainOf(*alone);
  EXPECT_EQ(first.flow, a[1]);
  EXPECT_EQ(first.photo_error, a[4]);
  EXPECT_EQ(first.photo_error_fraction, a[5]);
  EXPECT_EQ(first.outside_fraction, a[6]);

  absl::StatusOr<DecisionFeatures> second =
      ComputeDecisionFeatures(current, key, {}, flow, 2, first);
  ASSERT_TRUE(second.ok()) << second.status();
  const WarpChain both = ChainOf(*second);
  EXPECT_FLOAT_EQ(both.flow, 2 * a[1]);
  EXPECT_FLOAT_EQ(both.photo_error, 2 * a[4]);
  EXPECT_FLOAT_EQ(both.photo_error_fraction, 2 * a[5]);
  EXPECT_FLOAT_EQ(both.outside_fraction, 2 * a[6]);
  EXPECT_EQ(second->values[0], 2) << "key_age";
}

class FlowPathProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    segmenter_ = *CreateSegmenter({.backend = "null", .null_classes = 11});
    absl::StatusOr<std::unique_ptr<OpticalFlow>> flow =
        CreateOpticalFlow({.backend = "dis"});
    ASSERT_TRUE(flow.ok()) << flow.status();
    flow_ = *std::move(flow);
    absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn =
        LoadDecisionNetwork(kDnPath);
    ASSERT_TRUE(dn.ok()) << dn.status();
    dn_ = *std::move(dn);
    path_ = std::make_unique<FlowPath>(*flow_, *dn_);
  }

  absl::StatusOr<RegionResultOut> Run(RegionProcessor& processor,
                                      uint64_t frame, const Image& image,
                                      RegionPolicyIn policy) {
    raw_ = std::string(image.pixels.begin(), image.pixels.end());
    return processor.Process({.task = frame + 1,
                              .stream = "cam",
                              .region = 1,
                              .frame_index = frame,
                              .image_bytes = raw_,
                              .encoding = Encoding::kRaw,
                              .declared = {image.width, image.height, 3},
                              .policy = policy});
  }

  std::unique_ptr<Segmenter> segmenter_;
  std::unique_ptr<OpticalFlow> flow_;
  std::unique_ptr<DecisionNetwork> dn_;
  std::unique_ptr<FlowPath> path_;
  std::string raw_;
};

constexpr RegionPolicyIn kAnyScore{
    .allow_flow = true, .threshold = 0, .max_key_age = 12, .keep_key = true};

TEST_F(FlowPathProcessorTest, WarpsFromItsKeyOnlyWithinTheKeyAgeLimit) {
  RegionProcessor processor(*segmenter_, {}, path_.get());
  absl::StatusOr<RegionResultOut> first =
      Run(processor, 0, Texture(96, 64, 0), kAnyScore);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->flow_path) << "frame 0 has no key to warp";
  EXPECT_EQ(processor.keys().Find("cam", 1)->frame_index, 0u);

  absl::StatusOr<RegionResultOut> near =
      Run(processor, 3, Texture(96, 64, 2), kAnyScore);
  ASSERT_TRUE(near.ok()) << near.status();
  EXPECT_TRUE(near->flow_path);
  EXPECT_EQ(near->key_frame_index, 0u);
  EXPECT_GE(near->score, 0);

  // 13 frames after its key: too old to warp, whatever the score.
  absl::StatusOr<RegionResultOut> far =
      Run(processor, 13, Texture(96, 64, 2), kAnyScore);
  ASSERT_TRUE(far.ok()) << far.status();
  EXPECT_FALSE(far->flow_path);
  EXPECT_EQ(processor.keys().Find("cam", 1)->frame_index, 13u)
      << "a segmented region becomes the key";
}

// Figure 6 reads these: each step's time, adding up to the region's total.
TEST_F(FlowPathProcessorTest, TimesEveryStepOfBothPaths) {
  RegionProcessor processor(*segmenter_, {}, path_.get());
  absl::StatusOr<RegionResultOut> segmented =
      Run(processor, 0, Texture(96, 64, 0), kAnyScore);
  ASSERT_TRUE(segmented.ok()) << segmented.status();
  const RegionTimings& s = segmented->timings;
  EXPECT_GT(s.decode_ms, 0);
  EXPECT_GT(s.segmentation_ms, 0);
  EXPECT_GT(s.encode_ms, 0);
  EXPECT_EQ(s.flow_ms, 0) << "frame 0 has no key: no flow";
  EXPECT_EQ(s.decision_ms, 0);
  EXPECT_LE(s.total_ms(), segmented->compute_ms + 1e-6);

  absl::StatusOr<RegionResultOut> warped =
      Run(processor, 1, Texture(96, 64, 1), kAnyScore);
  ASSERT_TRUE(warped.ok()) << warped.status();
  ASSERT_TRUE(warped->flow_path);
  const RegionTimings& w = warped->timings;
  EXPECT_GT(w.flow_ms, 0);
  EXPECT_GT(w.decision_ms, 0);
  EXPECT_GT(w.encode_ms, 0);
  EXPECT_EQ(w.segmentation_ms, 0);
  EXPECT_LE(w.total_ms(), warped->compute_ms + 1e-6);

  // Rejected by the decision network: flow and decision, then segmentation.
  RegionPolicyIn strict = kAnyScore;
  strict.threshold = 100.5f;
  absl::StatusOr<RegionResultOut> both =
      Run(processor, 2, Texture(96, 64, 2), strict);
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_FALSE(both->flow_path);
  EXPECT_GT(both->timings.flow_ms, 0);
  EXPECT_GT(both->timings.segmentation_ms, 0);
}

// A batch gives every task what it gets one at a time, including a later
// frame of a region whose earlier frame is segmented (or, carrying, warped)
// in the same batch.
class FlowPathBatchTest : public FlowPathProcessorTest,
                          public ::testing::WithParamInterface<bool> {};

TEST_P(FlowPathBatchTest, ABatchGivesEachTaskItsOwnResult) {
  FlowPath path(*flow_, *dn_, nullptr, {}, /*carry_warps=*/GetParam());
  RegionPolicyIn policy = kAnyScore;
  policy.max_key_age = 3;  // every fourth frame of a region is segmented
  std::vector<std::string> pixels;
  std::vector<RegionTaskIn> tasks;
  for (uint64_t frame = 0; frame < 9; ++frame) {
    for (int region = 1; region <= 2; ++region) {
      const Image image = Texture(96, 64, static_cast<int>(frame) * region);
      pixels.emplace_back(image.pixels.begin(), image.pixels.end());
    }
  }
  for (size_t i = 0; i < pixels.size(); ++i) {
    tasks.push_back({.task = i + 1,
                     .stream = "cam",
                     .region = static_cast<int>(i % 2) + 1,
                     .frame_index = i / 2,
                     .image_bytes = pixels[i],
                     .encoding = Encoding::kRaw,
                     .declared = {96, 64, 3},
                     .policy = policy});
  }
  RegionProcessor one_by_one(*segmenter_, {}, &path);
  RegionProcessor batched(*segmenter_, {}, &path);
  std::vector<absl::StatusOr<RegionResultOut>> together;
  for (size_t first = 0; first < tasks.size(); first += 5) {
    std::vector<const RegionTaskIn*> batch;
    for (size_t i = first; i < std::min(tasks.size(), first + 5); ++i) {
      batch.push_back(&tasks[i]);
    }
    for (auto& out : batched.ProcessBatch(batch)) {
      together.push_back(std::move(out));
    }
  }
  ASSERT_EQ(together.size(), tasks.size());
  int warped = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    absl::StatusOr<RegionResultOut> alone = one_by_one.Process(tasks[i]);
    ASSERT_TRUE(alone.ok()) << alone.status();
    ASSERT_TRUE(together[i].ok()) << together[i].status();
    EXPECT_EQ(together[i]->task, alone->task);
    EXPECT_EQ(together[i]->flow_path, alone->flow_path) << "task " << i;
    EXPECT_EQ(together[i]->key_frame_index, alone->key_frame_index);
    EXPECT_EQ(together[i]->warped_from_frame_index,
              alone->warped_from_frame_index);
    EXPECT_EQ(together[i]->labels, alone->labels) << "task " << i;
    warped += alone->flow_path;
  }
  EXPECT_EQ(warped, 12) << "frames 1-3 and 5-7 of both regions";
}

INSTANTIATE_TEST_SUITE_P(CarriedOrNot, FlowPathBatchTest, ::testing::Bool());

// A path that carries its warps starts each from the frame it warped
// last; one that does not, from the key.
TEST_F(FlowPathProcessorTest, ACarryingPathWarpsFromItsLastWarpedFrame) {
  for (const bool carry : {false, true}) {
    SCOPED_TRACE(carry ? "carried" : "from the key");
    FlowPath path(*flow_, *dn_, nullptr, {}, carry);
    RegionProcessor processor(*segmenter_, {}, &path);
    ASSERT_TRUE(Run(processor, 0, Texture(96, 64, 0), kAnyScore).ok());
    for (uint64_t frame = 1; frame <= 3; ++frame) {
      absl::StatusOr<RegionResultOut> out =
          Run(processor, frame, Texture(96, 64, static_cast<int>(frame)),
              kAnyScore);
      ASSERT_TRUE(out.ok()) << out.status();
      ASSERT_TRUE(out->flow_path);
      EXPECT_EQ(out->key_frame_index, 0u);
      EXPECT_EQ(out->warped_from_frame_index, carry ? frame - 1 : 0u);
    }
    std::shared_ptr<const KeyFrame> carried =
        processor.keys().FindCarried("cam", 1);
    if (!carry) {
      EXPECT_EQ(carried, nullptr);
      continue;
    }
    ASSERT_NE(carried, nullptr);
    EXPECT_EQ(carried->frame_index, 3u);
    const Image last = Texture(96, 64, 3);
    EXPECT_EQ(carried->image.pixels, last.pixels) << "the region warped to";
    EXPECT_EQ(carried->labels.size(), last.size());
    EXPECT_GT(carried->chain.flow, 0) << "three warps of moving texture";

    // A requeued frame older than the carried one warps from the key.
    absl::StatusOr<RegionResultOut> requeued =
        Run(processor, 2, Texture(96, 64, 2), kAnyScore);
    ASSERT_TRUE(requeued.ok()) << requeued.status();
    EXPECT_EQ(requeued->warped_from_frame_index, 0u);
    EXPECT_EQ(processor.keys().FindCarried("cam", 1)->frame_index, 3u);
  }
}

TEST_F(FlowPathProcessorTest, NeverWarpsAnOlderFrameFromANewerKey) {
  RegionProcessor processor(*segmenter_, {}, path_.get());
  ASSERT_TRUE(Run(processor, 8, Texture(96, 64, 0), kAnyScore).ok());
  // Frame 6 requeued after frame 8 became the key.
  absl::StatusOr<RegionResultOut> out =
      Run(processor, 6, Texture(96, 64, 0), kAnyScore);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->flow_path);
  EXPECT_EQ(processor.keys().Find("cam", 1)->frame_index, 8u)
      << "the newer key stays";
}

TEST_F(FlowPathProcessorTest, SegmentsBelowTheThresholdOrWhenFlowIsNotAllowed) {
  RegionProcessor processor(*segmenter_, {}, path_.get());
  ASSERT_TRUE(Run(processor, 0, Texture(96, 64, 0), kAnyScore).ok());
  RegionPolicyIn strict = kAnyScore;
  strict.threshold = 100.5f;  // no score reaches it
  absl::StatusOr<RegionResultOut> out =
      Run(processor, 1, Texture(96, 64, 1), strict);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->flow_path);
  EXPECT_GE(out->score, 0) << "the score still travels back";

  RegionPolicyIn no_flow = kAnyScore;
  no_flow.allow_flow = false;
  out = Run(processor, 2, Texture(96, 64, 1), no_flow);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->flow_path);
  EXPECT_EQ(out->score, -1) << "no decision asked";
}

TEST_F(FlowPathProcessorTest, InstallsAForwardedKeyAndWarpsFromIt) {
  RegionProcessor processor(*segmenter_, {}, path_.get());
  const Image key_image = Texture(96, 64, 0);
  LabelMap key_labels = LabelMap::Create(96, 64, 1);
  for (int x = 0; x < 96; ++x) {
    for (int y = 0; y < 64; ++y) key_labels.at(x, y)[0] = x < 48 ? 3 : 8;
  }
  const std::string image_bytes(key_image.pixels.begin(),
                                key_image.pixels.end());
  const std::string label_bytes(key_labels.pixels.begin(),
                                key_labels.pixels.end());
  const Image current = Texture(96, 64, 0);
  raw_ = std::string(current.pixels.begin(), current.pixels.end());
  RegionTaskIn task{.task = 9,
                    .stream = "cam",
                    .region = 1,
                    .frame_index = 7,
                    .image_bytes = raw_,
                    .encoding = Encoding::kRaw,
                    .declared = {96, 64, 3},
                    .policy = kAnyScore};
  task.key = KeyIn{.frame_index = 5,
                   .image = {image_bytes, Encoding::kRaw, {96, 64, 3}},
                   .labels = {label_bytes, Encoding::kRaw, {96, 64, 1}}};
  absl::StatusOr<RegionResultOut> out = processor.Process(task);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->flow_path);
  EXPECT_EQ(out->key_frame_index, 5u);
  // The same picture: the warp hands back the key's labels.
  EXPECT_EQ(out->labels, label_bytes);

  // A forwarded key whose labels are the wrong size is refused by name.
  task.key->labels.bytes = std::string_view(label_bytes).substr(0, 100);
  absl::StatusOr<RegionResultOut> bad = processor.Process(task);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("forwarded key of frame 5"));
}

}  // namespace
}  // namespace tessera::worker
