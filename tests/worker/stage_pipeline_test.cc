// A region segmented through a pipeline of stage workers on loopback gRPC
// (issue 9) against the whole model: fp32 activations give the same labels,
// fp16 ones agree on >= 99.5 % of pixels; a lost stage or a stale plan is
// an error naming it, never a wrong answer.
#include "worker/stage_pipeline.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tessera/v1/stage.pb.h"
#include "worker/device_profile.h"
#include "worker/segmenter.h"
#include "worker/stage_service.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

const std::string kModel = std::string(TESSERA_MODELS_DIR) + "/camvid.pt";

// A smooth street-like gradient with some texture: labels vary across it.
Image Region(int width, int height, int seed) {
  Image image = Image::Create(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        image.at(x, y)[c] = static_cast<uint8_t>(
            (x * (c + 1) + y * (3 - c) + seed * 37 + ((x ^ y) & 15)) % 256);
      }
    }
  }
  return image;
}

double Agreement(const LabelMap& a, const LabelMap& b) {
  size_t same = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i)
    same += a.pixels[i] == b.pixels[i];
  return static_cast<double>(same) / a.pixels.size();
}

// Three workers' segmenters, each serving stages, the later two on ports.
class StagePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::unique_ptr<Segmenter>> segmenter = CreateSegmenter(
          {.model_path = kModel, .threads = 1, .serve_stages = true});
      ASSERT_TRUE(segmenter.ok()) << segmenter.status();
      workers_.push_back(*std::move(segmenter));
    }
    for (int i = 1; i < 3; ++i) {
      absl::StatusOr<std::unique_ptr<StageServer>> server =
          StageServer::Start("localhost:0", workers_[i]->stage_pipeline());
      ASSERT_TRUE(server.ok()) << server.status();
      servers_.push_back(*std::move(server));
    }
    absl::StatusOr<std::unique_ptr<Segmenter>> whole =
        CreateSegmenter({.model_path = kModel, .threads = 1});
    ASSERT_TRUE(whole.ok()) << whole.status();
    whole_ = *std::move(whole);
  }

  std::string Address(int worker) const {
    return "localhost:" + std::to_string(servers_[worker - 1]->port());
  }

  // Plans the three workers as stages 0, 1, 2 of `cuts`.
  void Plan(const std::string& id, const std::vector<std::string>& cuts,
            v1::StageTensor::DType wire) {
    for (int stage = 0; stage < 3; ++stage) {
      v1::StagePlan plan;
      plan.set_plan_id(id);
      for (const std::string& cut : cuts) plan.add_cuts(cut);
      plan.set_stage(stage);
      plan.set_stages(3);
      if (stage < 2) plan.set_next_address(Address(stage + 1));
      plan.set_wire(wire);
      ASSERT_TRUE(workers_[stage]->stage_pipeline()->SetPlan(plan).ok());
    }
  }

  std::vector<std::unique_ptr<Segmenter>> workers_;
  std::vector<std::unique_ptr<StageServer>> servers_;
  std::unique_ptr<Segmenter> whole_;
};

TEST_F(StagePipelineTest, MeasuresEveryPieceBetweenCutPoints) {
  absl::StatusOr<v1::StageServing> serving =
      workers_[0]->stage_pipeline()->Measure(64, "here:1");
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_EQ(serving->address(), "here:1");
  ASSERT_GE(serving->cut_points_size(), 4);
  EXPECT_EQ(serving->cut_points(0), "stem");
  ASSERT_EQ(serving->piece_ms_size(), serving->cut_points_size());
  for (float ms : serving->piece_ms()) EXPECT_GT(ms, 0);
}

TEST_F(StagePipelineTest, Fp32PipelineGivesTheWholeModelsLabels) {
  Plan("p1", {"s16", "fuse16"}, v1::StageTensor::FLOAT32);
  // Three regions in one batch: three micro-batches in flight at once.
  std::vector<Image> regions = {Region(304, 244, 1), Region(304, 244, 2),
                                Region(160, 128, 3)};
  std::vector<const Image*> batch;
  for (const Image& region : regions) batch.push_back(&region);
  absl::StatusOr<std::vector<Segmentation>> piped =
      workers_[0]->SegmentBatch(batch, true);
  ASSERT_TRUE(piped.ok()) << piped.status();
  for (size_t i = 0; i < regions.size(); ++i) {
    absl::StatusOr<Segmentation> alone = whole_->Segment(regions[i], true);
    ASSERT_TRUE(alone.ok()) << alone.status();
    EXPECT_EQ((*piped)[i].labels.pixels, alone->labels.pixels)
        << "region " << i;
    EXPECT_EQ((*piped)[i].confidence.pixels, alone->confidence.pixels);
  }
}

TEST_F(StagePipelineTest, Fp16ActivationsKeepAtLeast995PercentOfLabels) {
  Plan("p2", {"s32", "fuse8"}, v1::StageTensor::FLOAT16);
  for (int seed = 0; seed < 3; ++seed) {
    const Image region = Region(304, 244, seed);
    absl::StatusOr<Segmentation> piped = workers_[0]->Segment(region, false);
    absl::StatusOr<Segmentation> alone = whole_->Segment(region, false);
    ASSERT_TRUE(piped.ok()) << piped.status();
    ASSERT_TRUE(alone.ok()) << alone.status();
    EXPECT_GE(Agreement(piped->labels, alone->labels), 0.995) << seed;
  }
}

TEST_F(StagePipelineTest, EmulatedDevicesPaceEachStageByItsShare) {
  v1::DeviceProfile profile;
  profile.set_name("slow-board");
  profile.set_source("test");
  profile.set_reference_width(160);
  profile.set_reference_height(128);
  profile.set_segmentation_ms(300);  // for the whole network
  auto pacer = std::make_shared<DevicePacer>(profile);
  for (auto& worker : workers_) {
    worker->stage_pipeline()->EmulateWith(pacer);
    absl::StatusOr<v1::StageServing> serving =
        worker->stage_pipeline()->Measure(64, "w:1");
    ASSERT_TRUE(serving.ok()) << serving.status();
    // Reported as the board's times: 300 ms scaled to the 64x64 probe.
    double total = 0;
    for (float ms : serving->piece_ms()) total += ms;
    EXPECT_NEAR(total, 300.0 * 64 * 64 / (160 * 128), 0.5);
    EXPECT_THAT(serving->probe(), HasSubstr("as slow-board"));
  }
  Plan("p5", {"s16", "fuse16"}, v1::StageTensor::FLOAT16);
  EXPECT_TRUE(workers_[0]->stage_pipeline()->heads_pipeline());
  EXPECT_FALSE(workers_[1]->stage_pipeline()->heads_pipeline());
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Segmentation> piped =
      workers_[0]->Segment(Region(160, 128, 0), false);
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  ASSERT_TRUE(piped.ok()) << piped.status();
  // The three stages' shares add up to the whole network's time.
  EXPECT_GE(ms, 295);
  EXPECT_EQ(pacer->counters().steps, 3u);
}

TEST_F(StagePipelineTest, ALostStageIsAnErrorNamingIt) {
  Plan("p3", {"s16", "fuse16"}, v1::StageTensor::FLOAT16);
  const std::string lost = Address(2);
  servers_[1].reset();  // the last stage's worker is gone
  absl::StatusOr<Segmentation> piped =
      workers_[0]->Segment(Region(96, 64, 0), false);
  ASSERT_FALSE(piped.ok());
  EXPECT_EQ(piped.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(piped.status().message(), HasSubstr("stage 2 at " + lost));
  // Released from the plan, the head runs the whole model again.
  ASSERT_TRUE(workers_[0]->stage_pipeline()->SetPlan(v1::StagePlan()).ok());
  EXPECT_TRUE(workers_[0]->Segment(Region(96, 64, 0), false).ok());
}

TEST_F(StagePipelineTest, TensorsOfAnotherPlanAreRefused) {
  Plan("p4", {"s16", "fuse16"}, v1::StageTensor::FLOAT16);
  v1::StageActivations stale;
  stale.set_plan_id("p3");
  stale.set_stage(0);
  absl::StatusOr<v1::StageActivations> served =
      workers_[1]->stage_pipeline()->Serve(stale);
  EXPECT_EQ(served.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(served.status().message(), HasSubstr("p3"));
  EXPECT_THAT(served.status().message(), HasSubstr("p4"));
  v1::StageActivations wrong = stale;
  wrong.set_plan_id("p4");
  wrong.add_tensors()->set_name("nonsense");
  served = workers_[1]->stage_pipeline()->Serve(wrong);
  EXPECT_EQ(served.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(served.status().message(), HasSubstr("stage 1 takes [stem"));
  EXPECT_THAT(served.status().message(), HasSubstr("got [nonsense]"));
}

TEST_F(StagePipelineTest, ImpossiblePlansAreRefusedAndTheOldOneStays) {
  StagePipeline& pipeline = *workers_[1]->stage_pipeline();
  v1::StagePlan plan;
  plan.set_plan_id("bad");
  plan.add_cuts("no_such_module");
  plan.set_stage(1);
  plan.set_stages(2);
  absl::Status refused = pipeline.SetPlan(plan);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("no_such_module"));
  plan.set_stage(0);  // not last, but no next address
  plan.clear_cuts();
  plan.add_cuts("s16");
  EXPECT_THAT(pipeline.SetPlan(plan).message(),
              HasSubstr("lacks a next stage address"));
  plan.set_stages(5);
  EXPECT_THAT(pipeline.SetPlan(plan).message(), HasSubstr("does not fit"));
  EXPECT_EQ(pipeline.plan_id(), "");
}

}  // namespace
}  // namespace tessera::worker
