// The start-up timings a worker uses to advertise its speed and to decide
// whether its flow path pays.
#include "worker/probe_timing.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/decision_network.h"
#include "worker/device_profile.h"
#include "worker/optical_flow.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

// An emulated device segments each region of a batch in the profile's
// time, so the speed per region must be that time's, at any batch size.
TEST(ProbeTimingTest, SegmentationSpeedCountsEveryRegionOfABatch) {
  absl::StatusOr<std::unique_ptr<Segmenter>> null =
      CreateSegmenter({.backend = "null"});
  ASSERT_TRUE(null.ok()) << null.status();
  absl::StatusOr<v1::DeviceProfile> profile = LoadDeviceProfile(
      std::string(TESSERA_PROFILES_DIR) + "/jetson-tx2-dvsnet.json");
  ASSERT_TRUE(profile.ok()) << profile.status();
  auto pacer = std::make_shared<DevicePacer>(*profile);
  std::unique_ptr<Segmenter> paced = PaceSegmenter(*std::move(null), pacer);
  const Size probe{128, 96};
  const double device_per_second =
      1000.0 / pacer->StepMs(DevicePacer::Step::kSegmentation, probe);
  for (int batch : {1, 4}) {
    absl::StatusOr<double> per_second =
        MeasureRegionsPerSecond(*paced, probe, 2, batch);
    ASSERT_TRUE(per_second.ok()) << per_second.status();
    EXPECT_LE(*per_second, device_per_second * 1.01) << "batch " << batch;
    EXPECT_GE(*per_second, device_per_second * 0.5) << "batch " << batch;
  }
  absl::StatusOr<double> none = MeasureRegionsPerSecond(*paced, probe, 0);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.status().message(), HasSubstr("runs and batch >= 1"));
}

// With an emulated device the flow path takes at least the device's time,
// so the probe must report at least that.
TEST(ProbeTimingTest, FlowPathTimeIsTheWholePathsTime) {
  absl::StatusOr<std::unique_ptr<OpticalFlow>> flow = CreateOpticalFlow({});
  ASSERT_TRUE(flow.ok()) << flow.status();
  absl::StatusOr<std::unique_ptr<DecisionNetwork>> dn =
      LoadDecisionNetwork(std::string(TESSERA_MODELS_DIR) + "/synth.dn.json");
  ASSERT_TRUE(dn.ok()) << dn.status();
  FlowPath real(**flow, **dn);
  absl::StatusOr<double> real_ms = MeasureFlowPathMs(real, {128, 96}, 2);
  ASSERT_TRUE(real_ms.ok()) << real_ms.status();
  EXPECT_GT(*real_ms, 0);

  absl::StatusOr<v1::DeviceProfile> profile = LoadDeviceProfile(
      std::string(TESSERA_PROFILES_DIR) + "/jetson-tx2-dvsnet.json");
  ASSERT_TRUE(profile.ok()) << profile.status();
  DevicePacer pacer(*profile);
  FlowPath paced(**flow, **dn, &pacer);
  absl::StatusOr<double> paced_ms = MeasureFlowPathMs(paced, {128, 96}, 2);
  ASSERT_TRUE(paced_ms.ok()) << paced_ms.status();
  const double device_ms =
      pacer.StepMs(DevicePacer::Step::kFlow, {128, 96}) +
      pacer.StepMs(DevicePacer::Step::kDecision, {128, 96}) +
      pacer.StepMs(DevicePacer::Step::kWarp, {128, 96});
  EXPECT_GE(*paced_ms, device_ms * 0.99);
}

}  // namespace
}  // namespace tessera::worker
