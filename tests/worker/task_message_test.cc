// What a worker reads from the master's RegionTask, and what it refuses.
#include "worker/task_message.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

v1::RegionTask RegionOf(int width, int height) {
  v1::RegionTask task;
  task.set_task_id(7);
  task.set_stream_id("cam");
  task.set_region_id(3);
  task.set_frame_index(42);
  task.set_label_encoding(v1::ENCODING_RAW);
  v1::ImageData* image = task.mutable_image();
  image->set_encoding(v1::ENCODING_RAW);
  image->set_width(width);
  image->set_height(height);
  image->set_channels(3);
  image->set_data(std::string(static_cast<size_t>(width) * height * 3, 'x'));
  return task;
}

void SetStitched(v1::RegionTask& task, int x, int y, int width, int height) {
  v1::PixelRect* part = task.mutable_stitched();
  part->set_x(x);
  part->set_y(y);
  part->set_width(width);
  part->set_height(height);
}

TEST(TaskMessageTest, ReadsTheStitchedPartOfTheRegion) {
  v1::RegionTask task = RegionOf(304, 244);
  absl::StatusOr<RegionTaskIn> whole = TaskFromProto(task);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->stitched, Rect{}) << "unset: all of it is stitched";
  EXPECT_EQ(whole->frame_index, 42u);
  EXPECT_EQ(whole->declared.width, 304);

  SetStitched(task, 64, 0, 240, 180);
  absl::StatusOr<RegionTaskIn> core = TaskFromProto(task);
  ASSERT_TRUE(core.ok()) << core.status();
  EXPECT_EQ(core->stitched, (Rect{64, 0, 240, 180}));
}

TEST(TaskMessageTest, AStitchedPartOutsideTheRegionIsRefused) {
  for (const Rect& bad : {Rect{65, 0, 240, 180}, Rect{-1, 0, 10, 10},
                          Rect{0, 0, 0, 10}, Rect{2147483000, 0, 2000, 10}}) {
    v1::RegionTask task = RegionOf(304, 244);
    SetStitched(task, bad.x, bad.y, bad.width, bad.height);
    absl::StatusOr<RegionTaskIn> in = TaskFromProto(task);
    EXPECT_EQ(in.status().code(), absl::StatusCode::kInvalidArgument)
        << bad.x << "," << bad.y << " " << bad.width << "x" << bad.height;
    EXPECT_THAT(in.status().message(), HasSubstr("task 7: the stitched part"));
    EXPECT_THAT(in.status().message(), HasSubstr("region (304x244)"));
  }
}

// A region may leave its size to the decoder: the part is then held to the
// decoder's limit, and sums that would overflow are refused, not wrapped.
TEST(TaskMessageTest, WithoutADeclaredSizeThePartIsHeldToTheDecodersLimit) {
  v1::RegionTask task = RegionOf(304, 244);
  task.mutable_image()->set_width(0);
  task.mutable_image()->set_height(0);
  SetStitched(task, 64, 0, 240, 180);
  absl::StatusOr<RegionTaskIn> fits = TaskFromProto(task);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->stitched, (Rect{64, 0, 240, 180}));

  SetStitched(task, 2147483000, 0, 2000, 10);
  absl::StatusOr<RegionTaskIn> far = TaskFromProto(task);
  EXPECT_EQ(far.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(far.status().message(), HasSubstr("its size is not declared"));
}

}  // namespace
}  // namespace tessera::worker
