#include "master/metrics_text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::master {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTextTest, CountersGaugesHistogramAndWorkerSeries) {
  MasterCounters counters;
  counters.frames_out = 7;
  counters.workers = 2;
  for (double ms : {5.0, 30.0, 30.0, 20000.0}) counters.latency.Add(ms);
  counters.regions_by_worker["gpu-1"] = 12;
  counters.regions_by_worker["odd \"name\"\\"] = 3;
  const std::string text = PrometheusText(counters);
  EXPECT_THAT(text, HasSubstr("# TYPE tessera_frames_out_total counter\n"
                              "tessera_frames_out_total 7\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE tessera_workers gauge\n"
                              "tessera_workers 2\n"));
  // Buckets are cumulative, in seconds; 20 s only counts under +Inf.
  EXPECT_THAT(
      text, HasSubstr("tessera_frame_latency_seconds_bucket{le=\"0.01\"} 1\n"
                      "tessera_frame_latency_seconds_bucket{le=\"0.025\"} 1\n"
                      "tessera_frame_latency_seconds_bucket{le=\"0.05\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("tessera_frame_latency_seconds_bucket{le=\"10\"} 3\n"
                        "tessera_frame_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                        "tessera_frame_latency_seconds_sum 20.065\n"
                        "tessera_frame_latency_seconds_count 4\n"));
  EXPECT_THAT(text,
              HasSubstr("tessera_worker_regions_total{worker=\"gpu-1\"} 12\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "tessera_worker_regions_total{worker=\"odd \\\"name\\\"\\\\\"} 3\n"));
  EXPECT_THAT(text, Not(HasSubstr("\n\n")));
}

}  // namespace
}  // namespace tessera::master
