#include "master/scheduler.h"

#include <map>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::master {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1000);

JobKey Job(StreamId stream, uint64_t frame, int region) {
  return {stream, frame, region};
}

TEST(SchedulerTest, BoundsWorkInFlightPerWorker) {
  Scheduler scheduler({.max_in_flight_per_worker = 3});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 2}, kStart).ok());
  // The master's bound caps what a worker asks for.
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 50}, kStart).ok());
  for (int r = 0; r < 10; ++r) scheduler.Enqueue(Job(1, 0, r));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  EXPECT_EQ(sent.size(), 5u);
  EXPECT_EQ(scheduler.in_flight(1), 2);
  EXPECT_EQ(scheduler.in_flight(2), 3);
  EXPECT_EQ(scheduler.queued_jobs(), 5u);
  EXPECT_TRUE(scheduler.Dispatch(kStart).empty());
  ASSERT_TRUE(scheduler.Complete(1, sent[0].task, kStart, 10).ok());
  EXPECT_EQ(scheduler.Dispatch(kStart).size(), 1u);
}

TEST(SchedulerTest, ServesStreamsRoundRobin) {
  Scheduler scheduler({});
  for (int r = 0; r < 4; ++r) scheduler.Enqueue(Job(1, 0, r));
  for (int r = 0; r < 4; ++r) scheduler.Enqueue(Job(2, 0, r));
  ASSERT_TRUE(scheduler.AddWorker(1, {"w", 10, 4}, kStart).ok());
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 4u);
  std::vector<StreamId> order;
  for (const Assignment& a : sent) order.push_back(a.job.stream);
  EXPECT_EQ(order, (std::vector<StreamId>{1, 2, 1, 2}));
}

TEST(SchedulerTest, FasterWorkersGetMoreWork) {
  Scheduler scheduler({.max_in_flight_per_worker = 2});
  ASSERT_TRUE(scheduler.AddWorker(1, {"fast", 100, 2}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"slow", 10, 2}, kStart).ok());
  std::map<WorkerId, int> done;
  absl::Time now = kStart;
  for (int r = 0; r < 200; ++r) scheduler.Enqueue(Job(1, r, 0));
  // Simulated time: each worker answers in its own service time.
  std::map<TaskId, absl::Time> due;
  std::map<TaskId, WorkerId> owner;
  for (int step = 0; step < 2000 && scheduler.queued_jobs() + due.size() > 0;
       ++step) {
    for (const Assignment& a : scheduler.Dispatch(now)) {
      due[a.task] = now + absl::Milliseconds(a.worker == 1 ? 10 : 100);
      owner[a.task] = a.worker;
    }
    now += absl::Milliseconds(5);
    for (auto it = due.begin(); it != due.end();) {
      if (it->second <= now) {
        const WorkerId w = owner[it->first];
        ASSERT_TRUE(
            scheduler.Complete(w, it->first, now, w == 1 ? 10.0 : 100.0).ok());
        ++done[w];
        it = due.erase(it);
      } else {
        ++it;
      }
    }
  }
  EXPECT_EQ(done[1] + done[2], 200);
  // Ten times the speed: the slow worker still helps with the long queue,
  // but the fast one does most of the work.
  EXPECT_GT(done[2], 0);
  EXPECT_GT(done[1], 5 * done[2]) << done[1] << " vs " << done[2];
  EXPECT_LT(*scheduler.estimated_ms(1), 20);
}

TEST(SchedulerTest, ShortQueuesWaitForTheFastWorker) {
  Scheduler scheduler({});
  ASSERT_TRUE(scheduler.AddWorker(1, {"fast", 100, 1}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"slow", 1, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  scheduler.Enqueue(Job(1, 0, 1));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  // The fast worker finishes both long before the slow one would finish one.
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].worker, 1u);
}

TEST(SchedulerTest, PlainDispatchIgnoresSpeed) {
  Scheduler scheduler({.weigh_by_speed = false});
  ASSERT_TRUE(scheduler.AddWorker(1, {"fast", 100, 1}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"slow", 1, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  scheduler.Enqueue(Job(1, 0, 1));
  EXPECT_EQ(scheduler.Dispatch(kStart).size(), 2u);
}

TEST(SchedulerTest, LostWorkerRequeuesItsJobsFirstInOrder) {
  Scheduler scheduler({});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 2}, kStart).ok());
  for (int r = 0; r < 4; ++r) scheduler.Enqueue(Job(1, 0, r));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 2u);
  std::vector<Revoked> revoked = scheduler.RemoveWorker(1);
  ASSERT_EQ(revoked.size(), 2u);
  EXPECT_TRUE(revoked[0].requeued);
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 4}, kStart).ok());
  std::vector<Assignment> again = scheduler.Dispatch(kStart);
  ASSERT_EQ(again.size(), 4u);
  for (int r = 0; r < 4; ++r) EXPECT_EQ(again[r].job.region, r);
  EXPECT_EQ(again[0].attempt, 2);
  EXPECT_EQ(again[2].attempt, 1);
  // The lost worker's tasks cannot be completed by anyone.
  EXPECT_EQ(scheduler.Complete(1, sent[0].task, kStart, 1).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SchedulerTest, RejectsResultsForTasksNeverSent) {
  Scheduler scheduler({});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 2}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 2}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 1u);
  const WorkerId other = sent[0].worker == 1 ? 2 : 1;
  absl::StatusOr<Completion> wrong =
      scheduler.Complete(other, sent[0].task, kStart, 1);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("was never sent to worker"));
  absl::StatusOr<Completion> bogus = scheduler.Complete(1, 999, kStart, 1);
  EXPECT_EQ(bogus.status().code(), absl::StatusCode::kInvalidArgument);
  // The real owner still completes it exactly once.
  EXPECT_TRUE(scheduler.Complete(sent[0].worker, sent[0].task, kStart, 1).ok());
  EXPECT_EQ(scheduler.Complete(sent[0].worker, sent[0].task, kStart, 1)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SchedulerTest, OverdueTasksMoveAndTheLateResultIsRefused) {
  Scheduler scheduler({.task_timeout = absl::Seconds(2)});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(scheduler.ExpireOverdue(kStart + absl::Seconds(1)).empty());
  std::vector<Revoked> expired =
      scheduler.ExpireOverdue(kStart + absl::Seconds(3));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_TRUE(expired[0].requeued);
  // The overdue worker gets nothing new until it shows a sign of life.
  EXPECT_TRUE(scheduler.Dispatch(kStart + absl::Seconds(3)).empty());
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 1}, kStart).ok());
  std::vector<Assignment> moved = scheduler.Dispatch(kStart + absl::Seconds(3));
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].worker, 2u);
  absl::StatusOr<Completion> late =
      scheduler.Complete(1, sent[0].task, kStart + absl::Seconds(4), 1);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(late.status().message(), HasSubstr("taken back"));
}

TEST(SchedulerTest, HeartbeatsDoNotFreeAStuckWorker) {
  Scheduler scheduler({.task_timeout = absl::Seconds(1)});
  ASSERT_TRUE(scheduler.AddWorker(1, {"stuck", 10, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  scheduler.Enqueue(Job(1, 0, 1));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(scheduler.ExpireOverdue(kStart + absl::Seconds(2)).size(), 1u);
  // Its heartbeat thread still beats while inference hangs.
  scheduler.MarkAlive(1, kStart + absl::Seconds(3));
  EXPECT_TRUE(scheduler.Dispatch(kStart + absl::Seconds(3)).empty());
  // The late answer frees it again.
  EXPECT_EQ(scheduler.Complete(1, sent[0].task, kStart, 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler.Dispatch(kStart + absl::Seconds(4)).size(), 1u);
}

TEST(SchedulerTest, ExpiredJobsReturnOldestFirst) {
  Scheduler scheduler({.task_timeout = absl::Seconds(1)});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 3}, kStart).ok());
  for (int r = 0; r < 3; ++r) scheduler.Enqueue(Job(1, 0, r));
  ASSERT_EQ(scheduler.Dispatch(kStart).size(), 3u);
  ASSERT_EQ(scheduler.ExpireOverdue(kStart + absl::Seconds(2)).size(), 3u);
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 3}, kStart).ok());
  std::vector<Assignment> again = scheduler.Dispatch(kStart);
  ASSERT_EQ(again.size(), 3u);
  for (int r = 0; r < 3; ++r) EXPECT_EQ(again[r].job.region, r);
}

TEST(SchedulerTest, RetryKeepsTheAttemptCount) {
  Scheduler scheduler({.max_attempts = 2});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  std::vector<Assignment> first = scheduler.Dispatch(kStart);
  absl::StatusOr<Completion> done =
      scheduler.Complete(1, first[0].task, kStart, 1);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(scheduler.Retry(done->job, done->attempt).requeued);
  std::vector<Assignment> second = scheduler.Dispatch(kStart);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2);
  done = scheduler.Complete(1, second[0].task, kStart, 1);
  EXPECT_FALSE(scheduler.Retry(done->job, done->attempt).requeued);
}

TEST(SchedulerTest, GivesUpAfterMaxAttempts) {
  Scheduler scheduler({.max_attempts = 2});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  std::vector<Assignment> first = scheduler.Dispatch(kStart);
  absl::StatusOr<Revoked> r1 = scheduler.Fail(1, first[0].task);
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1->requeued);
  std::vector<Assignment> second = scheduler.Dispatch(kStart);
  absl::StatusOr<Revoked> r2 = scheduler.Fail(1, second[0].task);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->requeued);
  EXPECT_EQ(scheduler.queued_jobs(), 0u);
}

TEST(SchedulerTest, RemoveFrameDropsQueuedAndInFlightJobs) {
  Scheduler scheduler({});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  for (int r = 0; r < 3; ++r) scheduler.Enqueue(Job(1, 7, r));
  scheduler.Enqueue(Job(1, 8, 0));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  EXPECT_EQ(scheduler.RemoveFrame(1, 7), 3);
  EXPECT_EQ(scheduler.queued_jobs(), 1u);
  EXPECT_EQ(scheduler.Complete(1, sent[0].task, kStart, 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SchedulerTest, SilentWorkersAreReported) {
  Scheduler scheduler({});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 1}, kStart).ok());
  scheduler.MarkAlive(2, kStart + absl::Seconds(9));
  EXPECT_EQ(
      scheduler.SilentWorkers(kStart + absl::Seconds(11), absl::Seconds(10)),
      (std::vector<WorkerId>{1}));
}

TEST(SchedulerTest, RejectsBadWorkers) {
  Scheduler scheduler({});
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  absl::Status duplicate = scheduler.AddWorker(1, {"w1", 10, 1}, kStart);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(duplicate.message(), HasSubstr("already registered"));
  absl::Status slow = scheduler.AddWorker(2, {"w2", 0, 1}, kStart);
  EXPECT_EQ(slow.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(slow.message(), HasSubstr("must be positive"));
}

// Key affinity: worker 1 holds the keys of regions 0 and 1, worker 2 those
// of regions 2 and 3.
bool HoldsKey(WorkerId worker, const JobKey& job) {
  return worker == 1 ? job.region < 2 : job.region >= 2;
}

TEST(SchedulerAffinityTest, FreeWorkersTakeTheRegionsWhoseKeysTheyHold) {
  Scheduler scheduler({.max_in_flight_per_worker = 1});
  scheduler.SetAffinity(HoldsKey);
  ASSERT_TRUE(scheduler.AddWorker(1, {"w1", 10, 1}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"w2", 10, 1}, kStart).ok());
  // Queue order puts w2's regions first.
  for (int r : {2, 3, 0, 1}) scheduler.Enqueue(Job(1, 0, r));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 2u);
  for (const Assignment& a : sent) {
    EXPECT_TRUE(HoldsKey(a.worker, a.job))
        << "region " << a.job.region << " went to worker " << a.worker;
  }
}

TEST(SchedulerAffinityTest, AffinityNeverLeavesAWorkerIdleWhileJobsWait) {
  Scheduler scheduler({.max_in_flight_per_worker = 2});
  // Worker 1 holds every key; worker 2 none.
  scheduler.SetAffinity(
      [](WorkerId worker, const JobKey&) { return worker == 1; });
  ASSERT_TRUE(scheduler.AddWorker(1, {"keyed", 10, 2}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"bare", 10, 2}, kStart).ok());
  for (int r = 0; r < 8; ++r) scheduler.Enqueue(Job(1, 0, r));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  std::map<WorkerId, int> per_worker;
  for (const Assignment& a : sent) ++per_worker[a.worker];
  EXPECT_EQ(per_worker[1], 2);
  EXPECT_EQ(per_worker[2], 2) << "the worker without keys was left idle";
  EXPECT_EQ(scheduler.queued_jobs(), 4u);
}

TEST(SchedulerAffinityTest, AffinityDoesNotOutweighAMuchFasterWorker) {
  Scheduler scheduler({.max_in_flight_per_worker = 1, .affinity_slack = 1.0});
  scheduler.SetAffinity([](WorkerId worker, const JobKey&) {
    return worker == 2;  // only the slow one holds the key
  });
  ASSERT_TRUE(scheduler.AddWorker(1, {"fast", 100, 1}, kStart).ok());
  ASSERT_TRUE(scheduler.AddWorker(2, {"slow", 5, 1}, kStart).ok());
  scheduler.Enqueue(Job(1, 0, 0));
  std::vector<Assignment> sent = scheduler.Dispatch(kStart);
  ASSERT_EQ(sent.size(), 1u);
  // 20x slower is past a slack of 2x the best expected finish.
  EXPECT_EQ(sent[0].worker, 1u);
}

}  // namespace
}  // namespace tessera::master
