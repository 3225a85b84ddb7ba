#include "worker/task_batcher.h"

#include <thread>

#include "gtest/gtest.h"

namespace tessera::worker {
namespace {

TEST(TaskBatcherTest, BatchesOfOneNeverWait) {
  TaskBatcher<int> queue(1, absl::Seconds(60));
  queue.Push(1);
  queue.Push(2);
  EXPECT_EQ(queue.NextBatch(), std::vector<int>{1});
  EXPECT_EQ(queue.NextBatch(), std::vector<int>{2});
  EXPECT_EQ(queue.pending(), 0u);
}

TEST(TaskBatcherTest, TakesAFullBatchAtOnceAndTheRestAfterTheWait) {
  TaskBatcher<int> queue(4, absl::Milliseconds(20));
  for (int i = 0; i < 6; ++i) queue.Push(i);
  EXPECT_EQ(queue.NextBatch(), (std::vector<int>{0, 1, 2, 3}));
  const absl::Time start = absl::Now();
  EXPECT_EQ(queue.NextBatch(), (std::vector<int>{4, 5}));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(19))
      << "a short batch waits for more, up to the bound";
}

TEST(TaskBatcherTest, ATaskArrivingDuringTheWaitFillsTheBatch) {
  TaskBatcher<int> queue(2, absl::Seconds(60));
  queue.Push(1);
  std::thread late([&] {
    absl::SleepFor(absl::Milliseconds(20));
    queue.Push(2);
  });
  // Returns as soon as the batch is full, long before the 60 s bound.
  EXPECT_EQ(queue.NextBatch(), (std::vector<int>{1, 2}));
  late.join();
}

TEST(TaskBatcherTest, CloseDropsWaitingTasksAndWakesTheConsumer) {
  TaskBatcher<int> queue(8, absl::Seconds(60));
  std::vector<int> batch = {99};
  std::thread consumer([&] { batch = queue.NextBatch(); });
  absl::SleepFor(absl::Milliseconds(20));
  queue.Close();
  consumer.join();
  EXPECT_TRUE(batch.empty());
  queue.Push(1);
  EXPECT_EQ(queue.pending(), 0u) << "a closed queue takes nothing";
  EXPECT_TRUE(queue.NextBatch().empty());
}

}  // namespace
}  // namespace tessera::worker
