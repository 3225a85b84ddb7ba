#include "master/master_core.h"

#include <memory>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/master/recording_links.h"

namespace tessera::master {
namespace {

using ::testing::HasSubstr;

using FakeWorker = RecordingWorker;
using FakeClient = RecordingClient;

Image RandomFrame(int width, int height, uint32_t seed) {
  std::mt19937 rng(seed);
  Image image = Image::Create(width, height, 3);
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(rng());
  return image;
}

// What a perfect worker returns: label = red channel % 5, per pixel.
RegionResultIn Answer(const TaskMessage& task) {
  RegionResultIn result;
  result.task = task.task;
  result.labels = LabelMap::Create(task.image.width, task.image.height, 1);
  const std::string& rgb = *task.image.bytes;
  for (size_t i = 0; i < result.labels.pixels.size(); ++i) {
    result.labels.pixels[i] = static_cast<uint8_t>(rgb[3 * i]) % 5;
  }
  result.compute_ms = 5;
  return result;
}

LabelMap Expected(const Image& frame) {
  LabelMap mask = LabelMap::Create(frame.width, frame.height, 1);
  for (size_t i = 0; i < mask.pixels.size(); ++i) {
    mask.pixels[i] = frame.pixels[3 * i] % 5;
  }
  return mask;
}

StreamSettings Settings(int max_queued = 8,
                        OverflowPolicy overflow = OverflowPolicy::kBlock) {
  StreamSettings settings;
  settings.name = "test";
  settings.grid = {2, 2, 8};
  settings.max_queued_frames = max_queued;
  settings.overflow = overflow;
  return settings;
}

WorkerHelloInfo Hello(const std::string& name, int in_flight = 4) {
  return {name, "cpu", "fake", 5, 10, in_flight};
}

class MasterCoreTest : public ::testing::Test {
 protected:
  MasterCoreTest() : core_(Options()) {}
  static MasterOptions Options() {
    MasterOptions options;
    options.scheduler.max_in_flight_per_worker = 64;
    return options;
  }
  MasterCore core_;
};

TEST_F(MasterCoreTest, DeliversStitchedMasksInFrameOrder) {
  auto worker = std::make_shared<FakeWorker>();
  ASSERT_TRUE(core_.AddWorker(Hello("w", 64), worker).ok());
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(Settings(), client);
  ASSERT_TRUE(stream.ok());
  std::vector<Image> frames;
  for (int i = 0; i < 3; ++i) {
    frames.push_back(RandomFrame(37, 29, i));
    ASSERT_TRUE(core_.SubmitFrame(stream->id, i * 10, frames.back()).ok());
  }
  ASSERT_EQ(worker->tasks.size(), 12u);
  // Answer the last frame first, then the rest backwards.
  for (auto it = worker->tasks.rbegin(); it != worker->tasks.rend(); ++it) {
    ASSERT_TRUE(core_.OnRegionResult(1, Answer(*it)).ok());
  }
  ASSERT_EQ(client->outcomes.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const FrameOutcome& out = client->outcomes[i];
    EXPECT_EQ(out.kind, FrameOutcome::Kind::kMask);
    EXPECT_EQ(out.index, static_cast<uint64_t>(i * 10));
    EXPECT_EQ(out.mask.pixels, Expected(frames[i]).pixels);
    EXPECT_EQ(out.stats.regions.size(), 4u);
    EXPECT_EQ(out.stats.regions[0].worker, "w");
  }
  core_.CloseInput(stream->id);
  ASSERT_TRUE(client->finished.has_value());
  EXPECT_TRUE(client->finished->ok());
}

// The flow path need only warp what the master keeps of each region.
TEST_F(MasterCoreTest, TasksNameThePartOfTheirRegionThatIsStitched) {
  auto worker = std::make_shared<FakeWorker>();
  ASSERT_TRUE(core_.AddWorker(Hello("w", 64), worker).ok());
  StreamSettings settings = Settings();
  absl::StatusOr<StreamHandle> halo =
      core_.OpenStream(settings, std::make_shared<FakeClient>());
  ASSERT_TRUE(halo.ok());
  settings.stitch = StitchMode::kMaxConfidence;
  absl::StatusOr<StreamHandle> overlap =
      core_.OpenStream(settings, std::make_shared<FakeClient>());
  ASSERT_TRUE(overlap.ok());
  ASSERT_TRUE(core_.SubmitFrame(halo->id, 0, RandomFrame(37, 29, 1)).ok());
  ASSERT_TRUE(core_.SubmitFrame(overlap->id, 0, RandomFrame(37, 29, 1)).ok());
  absl::StatusOr<std::vector<Region>> grid =
      MakeRegionGrid({37, 29}, settings.grid);
  ASSERT_TRUE(grid.ok());
  ASSERT_EQ(worker->tasks.size(), 8u);
  int cropped = 0;
  for (const TaskMessage& task : worker->tasks) {
    if (task.want_confidence) {
      EXPECT_EQ(task.stitched, Rect{}) << "overlaps are stitched whole";
      continue;
    }
    const Region& region = (*grid)[task.region_id];
    EXPECT_EQ(task.stitched, region.CoreInArea());
    EXPECT_EQ(task.stitched.width, region.core.width);
    ++cropped;
  }
  EXPECT_EQ(cropped, 4);
}

TEST_F(MasterCoreTest, LostWorkerLosesNoFrameAndDuplicatesNone) {
  auto w1 = std::make_shared<FakeWorker>();
  auto w2 = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id1 = core_.AddWorker(Hello("w1", 2), w1);
  absl::StatusOr<WorkerId> id2 = core_.AddWorker(Hello("w2", 2), w2);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(Settings(), client);
  Image frame = RandomFrame(40, 40, 9);
  ASSERT_TRUE(core_.SubmitFrame(stream->id, 0, frame).ok());
  ASSERT_EQ(w1->tasks.size() + w2->tasks.size(), 4u);
  // w1 answers one of its two regions, then dies.
  ASSERT_TRUE(core_.OnRegionResult(*id1, Answer(w1->tasks[0])).ok());
  core_.RemoveWorker(*id1, absl::UnavailableError("gone"));
  // w2 now gets w1's unanswered region on top of its own.
  for (size_t i = 0; i < w2->tasks.size(); ++i) {
    ASSERT_TRUE(core_.OnRegionResult(*id2, Answer(w2->tasks[i])).ok());
  }
  ASSERT_EQ(client->outcomes.size(), 1u);
  EXPECT_EQ(client->outcomes[0].mask.pixels, Expected(frame).pixels);
  int requeued = 0;
  for (const RegionStat& stat : client->outcomes[0].stats.regions) {
    if (stat.attempts == 2) ++requeued;
  }
  EXPECT_EQ(requeued, 1);
  EXPECT_EQ(core_.counters().regions_requeued, 1u);
}

TEST_F(MasterCoreTest, OverdueRegionMovesAndTheLateAnswerIsIgnored) {
  MasterOptions options;
  options.scheduler.task_timeout = absl::Milliseconds(1);
  MasterCore core(options);
  auto slow = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> slow_id = core.AddWorker(Hello("slow", 4), slow);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(Settings(), client);
  Image frame = RandomFrame(30, 30, 1);
  ASSERT_TRUE(core.SubmitFrame(stream->id, 0, frame).ok());
  ASSERT_EQ(slow->tasks.size(), 4u);
  auto fast = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> fast_id = core.AddWorker(Hello("fast", 4), fast);
  core.Tick(absl::Now() + absl::Seconds(1));
  ASSERT_EQ(fast->tasks.size(), 4u);
  for (const TaskMessage& task : slow->tasks) {
    ASSERT_TRUE(core.OnRegionResult(*slow_id, Answer(task)).ok());
  }
  EXPECT_TRUE(client->outcomes.empty());
  EXPECT_EQ(core.counters().late_results, 4u);
  for (const TaskMessage& task : fast->tasks) {
    ASSERT_TRUE(core.OnRegionResult(*fast_id, Answer(task)).ok());
  }
  ASSERT_EQ(client->outcomes.size(), 1u);
  EXPECT_EQ(client->outcomes[0].mask.pixels, Expected(frame).pixels);
}

TEST_F(MasterCoreTest, WrongSizedResultIsRefusedAndItsRegionRequeued) {
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core_.AddWorker(Hello("w", 1), worker);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(Settings(), client);
  ASSERT_TRUE(core_.SubmitFrame(stream->id, 0, RandomFrame(30, 30, 2)).ok());
  ASSERT_EQ(worker->tasks.size(), 1u);
  RegionResultIn bad = Answer(worker->tasks[0]);
  bad.labels = LabelMap::Create(3, 3, 1);
  absl::Status status = core_.OnRegionResult(*id, bad);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("labels 3x3x1"));
  // The same region goes out again.
  ASSERT_EQ(worker->tasks.size(), 2u);
  EXPECT_EQ(worker->tasks[1].region_id, worker->tasks[0].region_id);
}

TEST_F(MasterCoreTest, UnknownTaskIsAProtocolError) {
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core_.AddWorker(Hello("w"), worker);
  RegionResultIn result;
  result.task = 12345;
  absl::Status status = core_.OnRegionResult(*id, result);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("task 12345 was never sent"));
}

TEST_F(MasterCoreTest, BlockPolicyPausesTheStreamAtItsBound) {
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core_.AddWorker(Hello("w", 64), worker);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(Settings(2), client);
  absl::StatusOr<bool> more =
      core_.SubmitFrame(stream->id, 0, RandomFrame(20, 20, 0));
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(*more);
  more = core_.SubmitFrame(stream->id, 1, RandomFrame(20, 20, 1));
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_EQ(client->resumes, 0);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(core_.OnRegionResult(*id, Answer(worker->tasks[i])).ok());
  }
  EXPECT_EQ(client->outcomes.size(), 1u);
  EXPECT_EQ(client->resumes, 1);
}

TEST_F(MasterCoreTest, WithNoWorkerFramesPastTheBoundAreRefusedNotLost) {
  absl::Time now = absl::UnixEpoch();
  MasterOptions options;
  options.clock = [&now] { return now; };
  options.no_worker_grace = absl::Seconds(5);
  MasterCore core(options);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(Settings(2), client);
  std::vector<Image> frames;
  for (int i = 0; i < 2; ++i) frames.push_back(RandomFrame(20, 20, i));
  ASSERT_TRUE(*core.SubmitFrame(stream->id, 0, frames[0]));
  // The bound is reached: within the grace the stream just waits.
  EXPECT_FALSE(*core.SubmitFrame(stream->id, 1, frames[1]));
  now += absl::Seconds(4);
  core.Tick(now);
  EXPECT_EQ(client->resumes, 0);
  // Past the grace the stream may send again, and is told why its frame
  // cannot be taken, at once.
  now += absl::Seconds(2);
  core.Tick(now);
  EXPECT_EQ(client->resumes, 1);
  absl::StatusOr<bool> more =
      core.SubmitFrame(stream->id, 2, RandomFrame(20, 20, 2));
  ASSERT_TRUE(more.ok());
  EXPECT_TRUE(*more);
  ASSERT_EQ(client->outcomes.size(), 1u);
  EXPECT_EQ(client->outcomes[0].index, 2u);
  EXPECT_EQ(client->outcomes[0].kind, FrameOutcome::Kind::kError);
  EXPECT_EQ(client->outcomes[0].error.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(client->outcomes[0].error.message(),
              HasSubstr("no worker registered for 6s and the stream's 2 "
                        "queued frames fill its bound"));
  EXPECT_EQ(core.counters().frames_refused, 1u);
  // A worker joins: the two queued frames are segmented and delivered.
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core.AddWorker(Hello("w", 64), worker);
  // Answering frees room for the next tasks, which the loop answers too.
  for (size_t i = 0; i < worker->tasks.size(); ++i) {
    ASSERT_TRUE(core.OnRegionResult(*id, Answer(worker->tasks[i])).ok());
  }
  EXPECT_EQ(worker->tasks.size(), 8u);
  ASSERT_EQ(client->outcomes.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(client->outcomes[1 + i].index, static_cast<uint64_t>(i));
    EXPECT_EQ(client->outcomes[1 + i].mask.pixels, Expected(frames[i]).pixels);
  }
}

TEST_F(MasterCoreTest, DropOldestDropsWaitingFramesAndReportsThemInOrder) {
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream =
      core_.OpenStream(Settings(2, OverflowPolicy::kDropOldest), client);
  // No worker yet: every frame waits.
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<bool> more =
        core_.SubmitFrame(stream->id, i, RandomFrame(20, 20, i));
    ASSERT_TRUE(more.ok());
    EXPECT_TRUE(*more);  // real-time streams are never paused
  }
  ASSERT_EQ(client->outcomes.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client->outcomes[i].kind, FrameOutcome::Kind::kDropped);
    EXPECT_EQ(client->outcomes[i].index, static_cast<uint64_t>(i));
    EXPECT_THAT(client->outcomes[i].drop_reason, HasSubstr("queue full"));
  }
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core_.AddWorker(Hello("w", 64), worker);
  ASSERT_EQ(worker->tasks.size(), 8u);  // frames 3 and 4 only
  for (const TaskMessage& task : worker->tasks) {
    EXPECT_GE(task.frame_index, 3u);
    ASSERT_TRUE(core_.OnRegionResult(*id, Answer(task)).ok());
  }
  ASSERT_EQ(client->outcomes.size(), 5u);
  EXPECT_EQ(client->outcomes[4].stats.dropped_frames_total, 3u);
  EXPECT_EQ(core_.counters().frames_dropped, 3u);
}

TEST_F(MasterCoreTest, BadFramesAreAnsweredInOrderAndTheStreamGoesOn) {
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core_.AddWorker(Hello("w", 64), worker);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(Settings(), client);
  ASSERT_TRUE(core_.SubmitFrame(stream->id, 0, RandomFrame(20, 20, 0)).ok());
  ASSERT_TRUE(
      core_.SubmitEncodedFrame(stream->id, 1, "not a png", Encoding::kPng, {})
          .ok());
  ASSERT_TRUE(
      core_.SubmitFrame(stream->id, 2, LabelMap::Create(20, 20, 1)).ok());
  ASSERT_TRUE(core_
                  .SubmitEncodedFrame(stream->id, 3, std::string(10, 'x'),
                                      Encoding::kRaw, {20, 20, 3})
                  .ok());
  // Nothing is delivered before frame 0, although 1-3 failed at once.
  EXPECT_TRUE(client->outcomes.empty());
  for (const TaskMessage& task : worker->tasks) {
    ASSERT_TRUE(core_.OnRegionResult(*id, Answer(task)).ok());
  }
  ASSERT_EQ(client->outcomes.size(), 4u);
  EXPECT_EQ(client->outcomes[0].kind, FrameOutcome::Kind::kMask);
  EXPECT_EQ(client->outcomes[1].kind, FrameOutcome::Kind::kError);
  EXPECT_EQ(client->outcomes[1].error.code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(client->outcomes[1].error.message(), HasSubstr("frame 1"));
  EXPECT_THAT(client->outcomes[2].error.message(),
              HasSubstr("has 1 channels, expected 3"));
  EXPECT_THAT(client->outcomes[3].error.message(), HasSubstr("frame 3"));
}

TEST_F(MasterCoreTest, FramesAboveTheSizeLimitAreRefused) {
  MasterOptions options;
  options.frame_limits = {64, 64};
  MasterCore core(options);
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core.OpenStream(Settings(), client);
  ASSERT_TRUE(core.SubmitFrame(stream->id, 0, RandomFrame(65, 10, 0)).ok());
  ASSERT_EQ(client->outcomes.size(), 1u);
  EXPECT_EQ(client->outcomes[0].error.code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(client->outcomes[0].error.message(),
              HasSubstr("above the limit of 64x64"));
}

TEST_F(MasterCoreTest, IndexesMustIncrease) {
  auto client = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(Settings(), client);
  ASSERT_TRUE(core_.SubmitFrame(stream->id, 5, RandomFrame(20, 20, 0)).ok());
  absl::StatusOr<bool> again =
      core_.SubmitFrame(stream->id, 5, RandomFrame(20, 20, 0));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(again.status().message(),
              HasSubstr("index 5 is not after the previous index 5"));
  EXPECT_EQ(core_.SubmitFrame(999, 0, RandomFrame(20, 20, 0)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MasterCoreTest, RejectsImpossibleStreamSettings) {
  auto client = std::make_shared<FakeClient>();
  StreamSettings settings = Settings();
  settings.grid = {0, 2, 0};
  absl::StatusOr<StreamHandle> stream = core_.OpenStream(settings, client);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stream.status().message(), HasSubstr("rows and columns must"));
  settings = Settings();
  settings.grid = {2, 2, 1 << 30};
  stream = core_.OpenStream(settings, client);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stream.status().message(), HasSubstr("the halo 0..1024"));
  settings = Settings(100000);
  stream = core_.OpenStream(settings, client);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(stream.status().message(), HasSubstr("max queued frames"));
}

TEST_F(MasterCoreTest, StreamsShareTheWorkersFairly) {
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core_.AddWorker(Hello("w", 2), worker);
  auto a = std::make_shared<FakeClient>();
  auto b = std::make_shared<FakeClient>();
  absl::StatusOr<StreamHandle> sa = core_.OpenStream(Settings(), a);
  absl::StatusOr<StreamHandle> sb = core_.OpenStream(Settings(), b);
  // Stream a floods first; b's frame still gets every other slot.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(core_.SubmitFrame(sa->id, i, RandomFrame(20, 20, i)).ok());
  }
  ASSERT_TRUE(core_.SubmitFrame(sb->id, 0, RandomFrame(20, 20, 9)).ok());
  for (size_t i = 0; i < 12; ++i) {
    ASSERT_LT(i, worker->tasks.size());
    ASSERT_TRUE(core_.OnRegionResult(*id, Answer(worker->tasks[i])).ok());
  }
  // After 12 answered regions, b's single frame (4 regions) is complete.
  EXPECT_EQ(b->outcomes.size(), 1u);
  EXPECT_LT(a->outcomes.size(), 4u);
}

TEST_F(MasterCoreTest, FailsAFrameWhoseRegionKeepsFailing) {
  MasterOptions options;
  options.scheduler.max_attempts = 2;
  MasterCore core(options);
  auto worker = std::make_shared<FakeWorker>();
  absl::StatusOr<WorkerId> id = core.AddWorker(Hello("w", 1), worker);
  auto client = std::make_shared<FakeClient>();
  StreamSettings settings = Settings();
  settings.grid = {1, 1, 0};
  absl::StatusOr<StreamHandle> stream = core.OpenStream(settings, client);
  ASSERT_TRUE(core.SubmitFrame(stream->id, 0, RandomFrame(20, 20, 0)).ok());
  ASSERT_TRUE(core.OnTaskFailure(*id, worker->tasks[0].task,
                                 absl::InternalError("boom"))
                  .ok());
  ASSERT_TRUE(core.OnTaskFailure(*id, worker->tasks[1].task,
                                 absl::InternalError("boom"))
                  .ok());
  ASSERT_EQ(client->outcomes.size(), 1u);
  EXPECT_EQ(client->outcomes[0].error.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(client->outcomes[0].error.message(), HasSubstr("boom"));
}

}  // namespace
}  // namespace tessera::master
