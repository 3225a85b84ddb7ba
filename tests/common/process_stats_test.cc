#include "common/process_stats.h"

#include <cstring>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::ContainsRegex;

TEST(ProcessStatsTest, CpuTimeGrowsWithWork) {
  const double before = ProcessCpuSeconds();
  volatile double sink = 0;
  for (int i = 0; i < 30'000'000; ++i) sink = sink + i * 1e-9;
  EXPECT_GT(ProcessCpuSeconds(), before);
}

TEST(ProcessStatsTest, ResidentMemoryFollowsTouchedPages) {
  const uint64_t before = ResidentMemoryBytes();
  EXPECT_GT(before, 0u);
  constexpr size_t kBytes = 64 << 20;
  auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);  // resident only once written
  EXPECT_GT(ResidentMemoryBytes(), before + kBytes / 2);
  EXPECT_EQ(block[kBytes - 1], 1);
}

TEST(ProcessStatsTest, WritesPrometheusProcessMetrics) {
  std::string text;
  AppendProcessMetrics(text);
  EXPECT_THAT(text, ContainsRegex("\n# TYPE process_cpu_seconds_total counter\n"
                                  "process_cpu_seconds_total [0-9.e+-]+\n"));
  EXPECT_THAT(text, ContainsRegex("\nprocess_resident_memory_bytes [0-9]+\n"));
}

}  // namespace
}  // namespace tessera
