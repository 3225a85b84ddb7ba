// Pipelines of stage-serving workers (issue 9): where the planner cuts, and
// how the master forms pipelines, parks their later stages and releases
// them when a member leaves.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "master/master_core.h"
#include "master/pipeline_planner.h"
#include "tests/master/recording_links.h"

namespace tessera::master {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kPoints = {"stem", "s16", "s32", "fuse", "head"};

StageServingInfo Serving(const std::string& address,
                         std::vector<double> piece_ms) {
  return {address, kPoints, std::move(piece_ms)};
}

TEST(PipelinePlannerTest, OneWorkerRunsEverything) {
  StageServingInfo a = Serving("a:1", {1, 2, 3, 4, 5});
  absl::StatusOr<PipelinePlan> plan = PlanPipeline({&a});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->cuts.empty());
  EXPECT_THAT(plan->stage_ms, ElementsAre(15));
  EXPECT_EQ(plan->bound_ms, 15);
}

TEST(PipelinePlannerTest, CutsWhereTheSlowestStageIsFastest) {
  StageServingInfo a = Serving("a:1", {4, 4, 1, 1, 6});
  StageServingInfo b = Serving("b:1", {4, 4, 1, 1, 6});
  absl::StatusOr<PipelinePlan> plan = PlanPipeline({&a, &b});
  ASSERT_TRUE(plan.ok()) << plan.status();
  // [4 4 | 1 1 6] = 8 / 8, better than [4 4 1 | 1 6] = 9 / 7.
  EXPECT_THAT(plan->cuts, ElementsAre("s32"));
  EXPECT_THAT(plan->stage_ms, ElementsAre(8, 8));
  EXPECT_EQ(plan->bound_ms, 8);
}

TEST(PipelinePlannerTest, EachStageIsTimedOnItsOwnWorker) {
  // The second worker is four times slower: it gets only the cheap tail.
  StageServingInfo fast = Serving("fast:1", {3, 3, 3, 1, 1});
  StageServingInfo slow = Serving("slow:1", {12, 12, 12, 4, 4});
  absl::StatusOr<PipelinePlan> plan = PlanPipeline({&fast, &slow});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->cuts, ElementsAre("fuse"));
  EXPECT_THAT(plan->stage_ms, ElementsAre(9, 8));
}

TEST(PipelinePlannerTest, AsManyStagesAsPiecesGivesOnePieceEach) {
  std::vector<StageServingInfo> workers(5, Serving("w:1", {1, 1, 1, 1, 1}));
  std::vector<const StageServingInfo*> order;
  for (const StageServingInfo& w : workers) order.push_back(&w);
  absl::StatusOr<PipelinePlan> plan = PlanPipeline(order);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->cuts, ElementsAre("s16", "s32", "fuse", "head"));
}

TEST(PipelinePlannerTest, RefusesWhatCannotBePlanned) {
  StageServingInfo a = Serving("a:1", {1, 1, 1, 1, 1});
  StageServingInfo short_timings = Serving("b:1", {1, 1});
  EXPECT_THAT(PlanPipeline({&a, &short_timings}).status().message(),
              HasSubstr("timed 2 pieces for 5 cut points"));
  StageServingInfo other_model = {"c:1", {"x", "y"}, {1, 1}};
  EXPECT_THAT(PlanPipeline({&a, &other_model}).status().message(),
              HasSubstr("disagree on the model's cut points"));
  std::vector<const StageServingInfo*> six(6, &a);
  EXPECT_THAT(PlanPipeline(six).status().message(),
              HasSubstr("5 pieces, too few for 6 stages"));
  EXPECT_FALSE(PlanPipeline({}).ok());
}

using FakeWorker = RecordingWorker;
using FakeClient = RecordingClient;

WorkerHelloInfo StageHello(const std::string& name,
                           std::vector<double> piece_ms) {
  WorkerHelloInfo hello{name, "cpu", "net", 5, 10, 8};
  hello.stage_serving = Serving(name + ":7700", std::move(piece_ms));
  return hello;
}

StreamSettings OneRegion() {
  StreamSettings settings;
  settings.name = "test";
  settings.grid = {1, 1, 0};
  return settings;
}

RegionResultIn Answer(const TaskMessage& task) {
  RegionResultIn result;
  result.task = task.task;
  result.labels = LabelMap::Create(task.image.width, task.image.height, 1);
  result.compute_ms = 5;
  return result;
}

class MasterPipelineTest : public ::testing::Test {
 protected:
  static MasterOptions Options(int stages) {
    MasterOptions options;
    options.pipeline_stages = stages;
    options.scheduler.max_in_flight_per_worker = 8;
    return options;
  }
};

TEST_F(MasterPipelineTest, StageServersFormAPipelineOnlyTheHeadTakesTasks) {
  MasterCore core(Options(2));
  auto head = std::make_shared<FakeWorker>();
  auto tail = std::make_shared<FakeWorker>();
  auto plain = std::make_shared<FakeWorker>();
  ASSERT_TRUE(core.AddWorker(StageHello("head", {4, 4, 1, 1, 6}), head).ok());
  EXPECT_TRUE(head->plans.empty());  // one stage server is no pipeline yet
  ASSERT_TRUE(core.AddWorker(StageHello("tail", {4, 4, 1, 1, 6}), tail).ok());
  ASSERT_TRUE(core.AddWorker({"plain", "cpu", "net", 5, 10, 8}, plain).ok());

  ASSERT_EQ(head->plans.size(), 1u);
  ASSERT_EQ(tail->plans.size(), 1u);
  EXPECT_TRUE(plain->plans.empty());
  const StagePlanMessage& first = head->plans[0];
  EXPECT_EQ(first.stage, 0);
  EXPECT_EQ(first.stages, 2);
  EXPECT_THAT(first.cuts, ElementsAre("s32"));
  EXPECT_EQ(first.next_address, "tail:7700");
  EXPECT_TRUE(first.wire_fp16);
  EXPECT_EQ(tail->plans[0].plan_id, first.plan_id);
  EXPECT_EQ(tail->plans[0].stage, 1);
  EXPECT_EQ(tail->plans[0].next_address, "");
  EXPECT_EQ(core.counters().pipelines, 1u);

  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(OneRegion(), client);
  ASSERT_TRUE(stream.ok());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(core.SubmitFrame(stream->id, i, Image::Create(16, 16, 3)).ok());
  }
  EXPECT_TRUE(tail->tasks.empty());  // parked: it serves the head
  EXPECT_FALSE(head->tasks.empty());
  EXPECT_FALSE(plain->tasks.empty());
}

TEST_F(MasterPipelineTest, TheHeadHoldsEnoughRegionsForEveryStage) {
  MasterCore core(Options(2));
  auto head = std::make_shared<FakeWorker>();
  auto tail = std::make_shared<FakeWorker>();
  ASSERT_TRUE(core.AddWorker(StageHello("head", {1, 1, 1, 1, 1}), head).ok());
  absl::StatusOr<WorkerId> tail_id =
      core.AddWorker(StageHello("tail", {1, 1, 1, 1, 1}), tail);
  StreamSettings settings = OneRegion();
  settings.max_queued_frames = 32;
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(settings, client);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(core.SubmitFrame(stream->id, i, Image::Create(16, 16, 3)).ok());
  }
  // 8 in flight per worker, twice that for the head of 2 stages.
  EXPECT_EQ(head->tasks.size(), 16u);
  EXPECT_TRUE(tail->tasks.empty());
  // Back on the whole model, it holds 8 again: nothing new until then.
  core.RemoveWorker(*tail_id, absl::UnavailableError("gone"));
  EXPECT_EQ(head->tasks.size(), 16u);
}

TEST_F(MasterPipelineTest, LosingAStageReleasesTheOthersAndLosesNoFrame) {
  MasterCore core(Options(2));
  auto head = std::make_shared<FakeWorker>();
  auto tail = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> head_id =
      core.AddWorker(StageHello("head", {1, 1, 1, 1, 1}), head);
  absl::StatusOr<WorkerId> tail_id =
      core.AddWorker(StageHello("tail", {1, 1, 1, 1, 1}), tail);
  ASSERT_TRUE(head_id.ok() && tail_id.ok());
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(OneRegion(), client);
  ASSERT_TRUE(core.SubmitFrame(stream->id, 0, Image::Create(16, 16, 3)).ok());
  ASSERT_TRUE(core.SubmitFrame(stream->id, 1, Image::Create(16, 16, 3)).ok());
  ASSERT_EQ(head->tasks.size(), 2u);

  // The tail dies: the head's pipelined regions fail as its calls do.
  core.RemoveWorker(*tail_id, absl::UnavailableError("gone"));
  ASSERT_EQ(head->plans.size(), 2u);
  EXPECT_EQ(head->plans[1].plan_id, "");  // back on the whole model
  EXPECT_EQ(core.counters().pipelines, 0u);
  EXPECT_EQ(core.counters().pipelines_dissolved, 1u);
  ASSERT_TRUE(core.OnTaskFailure(*head_id, head->tasks[0].task,
                                 absl::UnavailableError("stage 1 lost"))
                  .ok());
  ASSERT_TRUE(core.OnRegionResult(*head_id, Answer(head->tasks[1])).ok());
  // The failed region was sent again (to the head, now whole-model).
  ASSERT_EQ(head->tasks.size(), 3u);
  ASSERT_TRUE(core.OnRegionResult(*head_id, Answer(head->tasks[2])).ok());
  ASSERT_EQ(client->outcomes.size(), 2u);
  for (const FrameOutcome& outcome : client->outcomes) {
    EXPECT_EQ(outcome.kind, FrameOutcome::Kind::kMask);
  }
}

TEST_F(MasterPipelineTest, AReleasedWorkerTakesTasksAndJoinsTheNextPipeline) {
  MasterCore core(Options(2));
  auto a = std::make_shared<FakeWorker>();
  auto b = std::make_shared<FakeWorker>();
  auto c = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> a_id =
      core.AddWorker(StageHello("a", {1, 1, 1, 1, 1}), a);
  ASSERT_TRUE(core.AddWorker(StageHello("b", {1, 1, 1, 1, 1}), b).ok());
  core.RemoveWorker(*a_id, absl::UnavailableError("gone"));
  // b is free again: it takes regions itself.
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(OneRegion(), client);
  ASSERT_TRUE(core.SubmitFrame(stream->id, 0, Image::Create(16, 16, 3)).ok());
  EXPECT_EQ(b->tasks.size(), 1u);
  // A new stage server arrives: b and c form the next pipeline.
  ASSERT_TRUE(core.AddWorker(StageHello("c", {1, 1, 1, 1, 1}), c).ok());
  ASSERT_EQ(b->plans.size(), 3u);  // joined, released, joined again
  EXPECT_EQ(b->plans[2].stage, 0);
  EXPECT_EQ(b->plans[2].next_address, "c:7700");
  EXPECT_NE(b->plans[2].plan_id, b->plans[0].plan_id);
  EXPECT_EQ(core.counters().pipelines_formed, 2u);
}

TEST_F(MasterPipelineTest, WithoutPipelineStagesStageServersWorkAlone) {
  MasterCore core(Options(0));
  auto a = std::make_shared<FakeWorker>();
  auto b = std::make_shared<FakeWorker>();
  ASSERT_TRUE(core.AddWorker(StageHello("a", {1, 1, 1, 1, 1}), a).ok());
  ASSERT_TRUE(core.AddWorker(StageHello("b", {1, 1, 1, 1, 1}), b).ok());
  EXPECT_TRUE(a->plans.empty());
  EXPECT_TRUE(b->plans.empty());
}

}  // namespace
}  // namespace tessera::master
