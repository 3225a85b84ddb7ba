// tessera-soak end to end, short: 3,000 frames of a looped 20-frame clip
// through a master and 2 null-backend workers, memory sampled each second.
// The 10,000-frame run of RELIABILITY.md is the same program at full length.
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace tessera::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

TEST(SoakTest, AShortSoakAnswersEveryFrameAndSamplesEveryProcess) {
  const std::string out = TempDir() + "/soak";
  Subprocess soak({TESSERA_SOAK_BINARY, "--model=", "--frames=3000",
                   "--warmup_frames=500", "--clip_frames=20", "--size=160x120",
                   "--sample_seconds=0.5", "--max_growth=10", "--out=" + out},
                  "soak-short");
  ASSERT_EQ(soak.Wait(300000), 0) << soak.log();
  EXPECT_THAT(soak.log(), HasSubstr("3000 masks, 0 lost"));
  std::ifstream file(out + "/soak.json");
  std::stringstream json;
  json << file.rdbuf();
  EXPECT_THAT(json.str(), HasSubstr("\"masks\": 3000"));
  // A figure for the master and each worker, read from their /metrics.
  for (const char* process : {"master", "worker 0", "worker 1"}) {
    EXPECT_THAT(json.str(),
                ContainsRegex(std::string("\"process\": \"") + process +
                              "\", \"warmup_mb\": [1-9][0-9.]*"))
        << process;
  }
}

}  // namespace
}  // namespace tessera::testing
