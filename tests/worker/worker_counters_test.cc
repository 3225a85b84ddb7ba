#include "worker/worker_counters.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::worker {
namespace {

using ::testing::HasSubstr;

TEST(WorkerCountersTest, PrometheusTextHasEveryCounterExactly) {
  WorkerCounters counters;
  counters.regions_segmented = 123456789;
  counters.regions_warped = 7;
  counters.regions_warped_carried = 5;
  counters.segmentation_seconds = 1.25;
  counters.connected = true;
  const std::string text = WorkerPrometheusText(counters);
  EXPECT_THAT(text, HasSubstr("# TYPE tessera_worker_regions_segmented_total "
                              "counter\ntessera_worker_regions_segmented_total "
                              "123456789\n"));
  EXPECT_THAT(text, HasSubstr("tessera_worker_regions_warped_total 7\n"));
  EXPECT_THAT(text,
              HasSubstr("tessera_worker_regions_warped_carried_total 5\n"));
  EXPECT_THAT(text,
              HasSubstr("tessera_worker_segmentation_seconds_total 1.25\n"));
  EXPECT_THAT(text, HasSubstr("tessera_worker_flow_seconds_total 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE tessera_worker_connected gauge\n"
                              "tessera_worker_connected 1\n"));
}

}  // namespace
}  // namespace tessera::worker
