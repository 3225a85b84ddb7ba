#include "worker/device_profile.h"

#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_file.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& text) {
  return testing::WriteTempFile(name, text, ".json");
}

std::string ProfileJson(const std::string& fields) {
  return "{\"name\": \"slow\", \"source\": \"a test\", "
         "\"reference_width\": 100, \"reference_height\": 50" +
         fields + "}";
}

v1::DeviceProfile Profile(double segmentation_ms, double flow_ms = 0) {
  v1::DeviceProfile profile;
  profile.set_name("test-device");
  profile.set_source("this test");
  profile.set_reference_width(100);
  profile.set_reference_height(50);
  profile.set_segmentation_ms(segmentation_ms);
  profile.set_flow_ms(flow_ms);
  profile.set_decision_ms(1);
  profile.set_warp_ms(2);
  return profile;
}

TEST(DeviceProfileTest, ShippedProfilesLoadAndSayWhereTheirFiguresComeFrom) {
  for (const char* name : {"jetson-tx2-dvsnet", "raspberry-pi4"}) {
    absl::StatusOr<v1::DeviceProfile> profile = LoadDeviceProfile(
        std::string(TESSERA_PROFILES_DIR "/") + name + ".json");
    ASSERT_TRUE(profile.ok()) << profile.status();
    EXPECT_EQ(profile->name(), name);
    EXPECT_FALSE(profile->source().empty());
    // The flow path is what DVS saves time with: it must be the cheaper one.
    EXPECT_LT(profile->flow_ms() + profile->decision_ms() + profile->warp_ms(),
              profile->segmentation_ms());
  }
}

TEST(DeviceProfileTest, BadProfilesAreRefusedNamingTheField) {
  EXPECT_EQ(LoadDeviceProfile("/nonexistent/profile.json").status().code(),
            absl::StatusCode::kNotFound);
  const std::string unknown =
      WriteTemp("profile-unknown", ProfileJson(", \"segmentation_ms\": 5, "
                                               "\"segmentaton_ms\": 5"));
  EXPECT_THAT(std::string(LoadDeviceProfile(unknown).status().message()),
              HasSubstr("segmentaton_ms"));
  const std::string no_source = WriteTemp(
      "profile-no-source",
      "{\"name\": \"x\", \"reference_width\": 1, \"reference_height\": 1, "
      "\"segmentation_ms\": 5}");
  EXPECT_THAT(std::string(LoadDeviceProfile(no_source).status().message()),
              HasSubstr("\"source\" is missing"));
  const std::string no_time = WriteTemp("profile-no-time", ProfileJson(""));
  EXPECT_THAT(std::string(LoadDeviceProfile(no_time).status().message()),
              HasSubstr("\"segmentation_ms\" must be > 0"));
  const std::string negative =
      WriteTemp("profile-negative",
                ProfileJson(", \"segmentation_ms\": 5, \"warp_ms\": -1"));
  EXPECT_THAT(std::string(LoadDeviceProfile(negative).status().message()),
              HasSubstr("\"warp_ms\" must be >= 0"));
}

TEST(DevicePacerTest, StepTimesScaleWithThePixelCount) {
  DevicePacer pacer(Profile(/*segmentation_ms=*/40, /*flow_ms=*/10));
  EXPECT_DOUBLE_EQ(pacer.StepMs(DevicePacer::Step::kSegmentation, {100, 50}),
                   40);
  EXPECT_DOUBLE_EQ(pacer.StepMs(DevicePacer::Step::kSegmentation, {200, 100}),
                   160);
  EXPECT_DOUBLE_EQ(pacer.StepMs(DevicePacer::Step::kFlow, {50, 50}), 10 / 2.0);
  EXPECT_DOUBLE_EQ(pacer.StepMs(DevicePacer::Step::kDecision, {50, 50}),
                   1 / 2.0);
  EXPECT_DOUBLE_EQ(pacer.StepMs(DevicePacer::Step::kWarp, {100, 50}), 2);
}

TEST(DevicePacerTest, AStepTakesAtLeastTheProfilesTimeAndOverrunsAreCounted) {
  DevicePacer pacer(Profile(/*segmentation_ms=*/30));
  const auto start = DevicePacer::Clock::now();
  pacer.PadStep(DevicePacer::Step::kSegmentation, {100, 50}, start);
  EXPECT_GE(DevicePacer::Clock::now() - start, std::chrono::milliseconds(30));
  PacingCounters counters = pacer.counters();
  EXPECT_EQ(counters.steps, 1u);
  EXPECT_EQ(counters.overruns, 0u);
  EXPECT_GT(counters.padded_seconds, 0.0);

  // Real work slower than the device: nothing to pad, one overrun.
  const auto late = DevicePacer::Clock::now() - std::chrono::milliseconds(50);
  pacer.PadStep(DevicePacer::Step::kSegmentation, {100, 50}, late);
  counters = pacer.counters();
  EXPECT_EQ(counters.steps, 2u);
  EXPECT_EQ(counters.overruns, 1u);
}

TEST(DevicePacerTest, APacedSegmenterGivesTheSameLabelsAtTheDevicesSpeed) {
  absl::StatusOr<std::unique_ptr<Segmenter>> inner =
      CreateSegmenter({.backend = "null"});
  ASSERT_TRUE(inner.ok()) << inner.status();
  absl::StatusOr<std::unique_ptr<Segmenter>> reference =
      CreateSegmenter({.backend = "null"});
  ASSERT_TRUE(reference.ok()) << reference.status();
  auto pacer = std::make_shared<DevicePacer>(Profile(/*segmentation_ms=*/25));
  std::unique_ptr<Segmenter> paced = PaceSegmenter(*std::move(inner), pacer);
  EXPECT_THAT(paced->device(), HasSubstr("as test-device"));

  Image image = Image::Create(100, 50, 3);
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = static_cast<uint8_t>(i * 7);
  }
  const auto start = DevicePacer::Clock::now();
  absl::StatusOr<Segmentation> out = paced->Segment(image, false);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_GE(DevicePacer::Clock::now() - start, std::chrono::milliseconds(25));
  absl::StatusOr<Segmentation> expected = (*reference)->Segment(image, false);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(out->labels.pixels, expected->labels.pixels);
  EXPECT_EQ(pacer->counters().steps, 1u);
}

}  // namespace
}  // namespace tessera::worker
