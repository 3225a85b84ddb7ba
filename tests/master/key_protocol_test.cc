// DVSNet's key protocol through MasterCore with scripted workers: random
// answer orders, random warp/segment choices and a worker lost mid-stream,
// checked against what the protocol promises:
//   - a region's first task carries no key and every task lets the worker
//     warp no further back than max_key_age;
//   - after a region is segmented, every task for it dispatched later
//     carries that key or goes to a worker that already holds it (gap 0);
//   - losing a worker loses no key: its keys are forwarded to the others;
//   - every frame comes back once, in order.
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "master/master_core.h"
#include "tests/master/recording_links.h"

namespace tessera::master {
namespace {

constexpr int kMaxKeyAge = 4;
constexpr int kRegions = 4;

class FakeWorker : public WorkerLink {
 public:
  void SendTask(const TaskMessage& task) override { inbox.push_back(task); }
  void Close(const absl::Status&) override {}
  void SendPlan(const StagePlanMessage&) override {}  // no stage servers
  std::vector<TaskMessage> inbox;                     // sent, not yet processed
  std::map<int, uint64_t> held;  // region -> key frame it holds
};

using FakeClient = RecordingClient;

class KeyProtocolTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  struct Worker {
    WorkerId id = 0;
    std::shared_ptr<FakeWorker> link;
    bool alive = true;
  };

  KeyProtocolTest() : core_(Options()), rng_(GetParam()) {}
  static MasterOptions Options() {
    MasterOptions options;
    options.scheduler.max_in_flight_per_worker = 3;
    return options;
  }

  void AddWorker(const std::string& name) {
    Worker w;
    w.link = std::make_shared<FakeWorker>();
    WorkerHelloInfo hello{name, "cpu", "fake", 5, 10, 3};
    hello.flow_path = true;
    w.id = *core_.AddWorker(hello, w.link);
    workers_.push_back(w);
    NoteDispatches();
  }

  // Stamps every task dispatched since the last call with the newest key
  // frame of its region as the master's results stood then.
  void NoteDispatches() {
    for (Worker& w : workers_) {
      for (size_t i = stamped_[w.id]; i < w.link->inbox.size(); ++i) {
        const TaskMessage& task = w.link->inbox[i];
        auto newest = newest_.find(task.region_id);
        expected_key_[task.task] =
            newest == newest_.end() ? -1 : static_cast<int64_t>(newest->second);
        // The protocol's per-task promises.
        EXPECT_TRUE(task.policy.allow_flow);
        EXPECT_TRUE(task.policy.keep_key);
        EXPECT_EQ(task.policy.max_key_age, kMaxKeyAge);
        if (newest == newest_.end()) {
          EXPECT_EQ(task.key, nullptr) << "a key before any segmentation";
        }
      }
      stamped_[w.id] = w.link->inbox.size();
    }
  }

  // The worker takes its oldest task (a worker runs its tasks in arrival
  // order), installs the forwarded key, checks that it now holds the
  // newest key, picks a path, and answers.
  void ProcessOne(Worker& w) {
    const TaskMessage task = w.link->inbox.front();
    w.link->inbox.erase(w.link->inbox.begin());
    --stamped_[w.id];
    if (task.key) {
      uint64_t& held = w.link->held[task.region_id];
      held = std::max(held, task.key->frame_index);
    }
    auto held = w.link->held.find(task.region_id);
    const int64_t expected = expected_key_.at(task.task);
    if (expected >= 0) {
      ASSERT_NE(held, w.link->held.end())
          << "task " << task.task << " for region " << task.region_id
          << " found no key at worker " << w.id;
      EXPECT_GE(static_cast<int64_t>(held->second), expected)
          << "task " << task.task << " region " << task.region_id;
    }
    RegionResultIn result;
    result.task = task.task;
    result.labels = LabelMap::Create(task.image.width, task.image.height, 1);
    result.compute_ms = 1;
    const bool can_warp =
        held != w.link->held.end() &&
        task.frame_index - held->second <= static_cast<uint64_t>(kMaxKeyAge);
    if (can_warp && std::bernoulli_distribution(0.6)(rng_)) {
      result.path = RegionPath::kFlow;
      result.key_frame_index = held->second;
      result.score = 95;
    } else {
      result.path = RegionPath::kSegmentation;
      result.labels_wire.bytes = std::make_shared<const std::string>(
          result.labels.pixels.begin(), result.labels.pixels.end());
      result.labels_wire.width = task.image.width;
      result.labels_wire.height = task.image.height;
      result.labels_wire.channels = 1;
      result.confidence_wire = result.labels_wire;  // same shape: 1 channel
      // Like the local key buffer, a worker keeps the newer of two keys (a
      // requeued older frame can be segmented after a newer one).
      uint64_t& mine = w.link->held[task.region_id];
      mine = std::max(mine, task.frame_index);
      uint64_t& newest = newest_[task.region_id];
      newest = std::max(newest, task.frame_index);
    }
    ASSERT_TRUE(core_.OnRegionResult(w.id, std::move(result)).ok());
    NoteDispatches();
  }

  MasterCore core_;
  std::mt19937 rng_;
  std::vector<Worker> workers_;
  std::map<WorkerId, size_t> stamped_;
  std::map<TaskId, int64_t> expected_key_;
  std::map<int, uint64_t> newest_;  // region -> newest segmented frame
};

TEST_P(KeyProtocolTest, KeysFollowTheirRegionsAcrossWorkersAndLosses) {
  AddWorker("w1");
  AddWorker("w2");
  AddWorker("w3");
  auto client = std::make_shared<FakeClient>();
  StreamSettings settings;
  settings.name = "keys";
  settings.grid = {2, 2, 4};
  settings.max_queued_frames = 64;
  settings.dvs = {.mode = DvsMode::kFixed,
                  .threshold = 90,
                  .key_gap = 0,
                  .max_key_age = kMaxKeyAge};
  StreamHandle stream = *core_.OpenStream(settings, client);
  constexpr int kFrames = 40;
  int submitted = 0;
  bool lost_one = false;
  for (int step = 0; step < 10000; ++step) {
    if (submitted < kFrames && (step % 3 == 0)) {
      ASSERT_TRUE(
          core_.SubmitFrame(stream.id, submitted, Image::Create(24, 20, 3))
              .ok());
      ++submitted;
      NoteDispatches();
    }
    if (!lost_one && submitted == kFrames / 2) {
      // The worker holding the most keys goes, with its queued tasks.
      Worker* victim = &workers_[0];
      for (Worker& w : workers_) {
        if (w.link->held.size() > victim->link->held.size()) victim = &w;
      }
      victim->alive = false;
      core_.RemoveWorker(victim->id, absl::UnavailableError("killed"));
      lost_one = true;
      NoteDispatches();
    }
    std::vector<Worker*> busy;
    for (Worker& w : workers_) {
      if (w.alive && !w.link->inbox.empty()) busy.push_back(&w);
    }
    if (busy.empty()) {
      if (submitted == kFrames) break;
      continue;
    }
    std::uniform_int_distribution<size_t> pick(0, busy.size() - 1);
    ProcessOne(*busy[pick(rng_)]);
    if (HasFatalFailure()) return;
  }
  ASSERT_EQ(client->outcomes.size(), static_cast<size_t>(kFrames));
  int warped = 0;
  for (int i = 0; i < kFrames; ++i) {
    const FrameOutcome& out = client->outcomes[i];
    ASSERT_EQ(out.kind, FrameOutcome::Kind::kMask) << out.error;
    EXPECT_EQ(out.index, static_cast<uint64_t>(i));
    EXPECT_EQ(out.stats.segmented_regions + out.stats.warped_regions, kRegions);
    warped += out.stats.warped_regions;
    for (const RegionStat& region : out.stats.regions) {
      if (region.path == RegionPath::kFlow) {
        EXPECT_LE(region.key_age, kMaxKeyAge);
      }
    }
  }
  EXPECT_GT(warped, 0) << "the scripted workers never warped";
  EXPECT_EQ(core_.counters().keys_held, static_cast<size_t>(kRegions));
}

// One worker with the flow path and a one-region stream that warps keys
// up to 3 frames old, its frame 10 dispatched.
class KeyProtocolCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WorkerHelloInfo hello{"w", "cpu", "fake", 5, 10, 8};
    hello.flow_path = true;
    worker = *core.AddWorker(hello, link);
    settings.name = "check";
    settings.grid = {1, 1, 0};
    settings.dvs.max_key_age = 3;
    stream = *core.OpenStream(settings, client);
    ASSERT_TRUE(core.SubmitFrame(stream.id, 10, Image::Create(8, 8, 3)).ok());
  }

  MasterCore core{{}};
  std::shared_ptr<FakeWorker> link = std::make_shared<FakeWorker>();
  std::shared_ptr<FakeClient> client = std::make_shared<FakeClient>();
  WorkerId worker = 0;
  StreamSettings settings;
  StreamHandle stream;
};

// A worker that claims a warp its task did not allow, or from a key outside
// the allowed ages, is refused by name and the region is redone.
TEST_F(KeyProtocolCheckTest, RefusesWarpsTheTaskDidNotAllow) {
  ASSERT_EQ(link->inbox.size(), 1u);
  for (uint64_t key : {uint64_t{11}, uint64_t{6}}) {
    const TaskMessage task = link->inbox.back();
    RegionResultIn result;
    result.task = task.task;
    result.labels = LabelMap::Create(8, 8, 1);
    result.path = RegionPath::kFlow;
    result.key_frame_index = key;  // from the future, then 4 frames old
    absl::Status status = core.OnRegionResult(worker, std::move(result));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr(absl::StrFormat(
                    "frame 10 warped from the key of frame %d", key)));
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr("keys 0..3 frames older"));
    ASSERT_GE(link->inbox.size(), 2u) << "the region was not redone";
  }
  EXPECT_TRUE(client->outcomes.empty());

  // DVS off for the stream: no warp is allowed at all.
  StreamSettings off = settings;
  off.dvs.mode = DvsMode::kOff;
  StreamHandle plain = *core.OpenStream(off, client);
  ASSERT_TRUE(core.SubmitFrame(plain.id, 0, Image::Create(8, 8, 3)).ok());
  RegionResultIn result;
  result.task = link->inbox.back().task;
  result.labels = LabelMap::Create(8, 8, 1);
  result.path = RegionPath::kFlow;
  absl::Status status = core.OnRegionResult(worker, std::move(result));
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("did not allow"));
}

// A carried warp names the frame it warped from: never a later frame than
// its own, and the frame's statistics show how far the warp reached.
TEST_F(KeyProtocolCheckTest, ACarriedWarpReportsItsSpan) {
  // Frames 10 and 11 of the stream, warped from the key of frame 8: first
  // from impossible frames (refused, the region redone), then from frame 9
  // (carried), then for frame 11 as an older worker says nothing (0).
  auto warp = [&](uint64_t from) {
    RegionResultIn result;
    result.task = link->inbox.back().task;
    result.labels = LabelMap::Create(8, 8, 1);
    result.path = RegionPath::kFlow;
    result.key_frame_index = 8;
    result.warped_from_frame_index = from;
    return core.OnRegionResult(worker, std::move(result));
  };
  for (uint64_t from : {uint64_t{11}, uint64_t{10}, uint64_t{7}}) {
    ASSERT_FALSE(link->inbox.empty());
    const absl::Status status = warp(from);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr(absl::StrFormat(
                    "frame 10 warped from frame %d, neither its key", from)));
  }
  ASSERT_TRUE(warp(9).ok());
  ASSERT_TRUE(core.SubmitFrame(stream.id, 11, Image::Create(8, 8, 3)).ok());
  ASSERT_TRUE(warp(0).ok());
  ASSERT_EQ(client->outcomes.size(), 2u);
  for (const FrameOutcome& outcome : client->outcomes) {
    ASSERT_EQ(outcome.stats.regions.size(), 1u);
  }
  EXPECT_EQ(client->outcomes[0].stats.regions[0].key_age, 2);
  EXPECT_EQ(client->outcomes[0].stats.regions[0].warp_span, 1);
  EXPECT_EQ(client->outcomes[1].stats.regions[0].key_age, 3);
  EXPECT_EQ(client->outcomes[1].stats.regions[0].warp_span, 3)
      << "an older worker's warp is from the key";
}

INSTANTIATE_TEST_SUITE_P(Seeds, KeyProtocolTest, ::testing::Range(1u, 11u));

}  // namespace
}  // namespace tessera::master
