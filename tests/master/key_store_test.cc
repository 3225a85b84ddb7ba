#include "master/key_store.h"

#include <memory>

#include "gtest/gtest.h"

namespace tessera::master {
namespace {

std::shared_ptr<const StoredKey> Key(uint64_t frame, size_t bytes = 10) {
  auto key = std::make_shared<StoredKey>();
  key->frame_index = frame;
  key->image.bytes = std::make_shared<const std::string>(bytes, 'x');
  return key;
}

constexpr KeySlot kSlot{1, 2};
constexpr WorkerId kW1 = 1;
constexpr WorkerId kW2 = 2;

TEST(KeyStoreTest, TheSegmentingWorkerKeepsItsKeyOthersAreSentIt) {
  KeyStore keys;
  keys.OnSegmented(kW1, kSlot, Key(0));
  EXPECT_EQ(keys.KeyToForward(kW1, kSlot, 1, 0), nullptr);
  EXPECT_TRUE(keys.HoldsNewest(kW1, kSlot));
  EXPECT_FALSE(keys.HoldsNewest(kW2, kSlot));

  std::shared_ptr<const StoredKey> sent = keys.KeyToForward(kW2, kSlot, 1, 0);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->frame_index, 0u);
  // Recorded as held: the next task to w2 needs no copy.
  EXPECT_EQ(keys.Held(kW2, kSlot), 0u);
  EXPECT_TRUE(keys.HoldsNewest(kW2, kSlot));
  EXPECT_EQ(keys.KeyToForward(kW2, kSlot, 2, 0), nullptr);
}

TEST(KeyStoreTest, AnOlderKeyArrivingLateDoesNotReplaceTheNewest) {
  KeyStore keys;
  keys.OnSegmented(kW2, kSlot, Key(5));
  keys.OnSegmented(kW1, kSlot, Key(3));  // frame 3 finished after frame 5
  EXPECT_EQ(keys.Newest(kSlot)->frame_index, 5u);
  EXPECT_EQ(keys.Held(kW1, kSlot), 3u);
  std::shared_ptr<const StoredKey> sent = keys.KeyToForward(kW1, kSlot, 6, 0);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->frame_index, 5u);
}

TEST(KeyStoreTest, KeyGapLetsAWorkerKeepARecentEnoughCopy) {
  KeyStore keys;
  keys.OnSegmented(kW1, kSlot, Key(3));
  keys.OnSegmented(kW2, kSlot, Key(5));
  // w1 holds 3, the newest is 5; frame 6 is 3 frames after w1's key.
  EXPECT_EQ(keys.KeyToForward(kW1, kSlot, 6, /*key_gap=*/4), nullptr);
  EXPECT_EQ(keys.KeyToForward(kW1, kSlot, 6, /*key_gap=*/3), nullptr);
  std::shared_ptr<const StoredKey> sent = keys.KeyToForward(kW1, kSlot, 6, 2);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->frame_index, 5u);
}

TEST(KeyStoreTest, NothingIsForwardedBeforeAnyKeyExists) {
  KeyStore keys;
  EXPECT_EQ(keys.KeyToForward(kW1, kSlot, 0, 0), nullptr);
  EXPECT_FALSE(keys.Held(kW1, kSlot).has_value());
  EXPECT_EQ(keys.key_count(), 0u);
}

TEST(KeyStoreTest, KeysOutliveTheWorkerThatMadeThem) {
  KeyStore keys;
  keys.OnSegmented(kW1, kSlot, Key(7, 100));
  keys.RemoveWorker(kW1);
  EXPECT_EQ(keys.key_count(), 1u);
  EXPECT_EQ(keys.bytes(), 100u);
  EXPECT_FALSE(keys.Held(kW1, kSlot).has_value());
  std::shared_ptr<const StoredKey> sent = keys.KeyToForward(kW2, kSlot, 8, 0);
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->frame_index, 7u);
}

TEST(KeyStoreTest, ClosingAStreamDropsItsKeysOnly) {
  KeyStore keys;
  keys.OnSegmented(kW1, {1, 0}, Key(0, 10));
  keys.OnSegmented(kW1, {2, 0}, Key(0, 20));
  keys.RemoveStream(1);
  EXPECT_EQ(keys.key_count(), 1u);
  EXPECT_EQ(keys.bytes(), 20u);
  EXPECT_EQ(keys.Newest({1, 0}), nullptr);
  EXPECT_FALSE(keys.Held(kW1, {1, 0}).has_value());
}

}  // namespace
}  // namespace tessera::master
