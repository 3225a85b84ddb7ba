// tessera-faults end to end, as CI runs it (--quick: the null backend, 40
// frames at 10 fps, 3 workers): every scenario loses and duplicates no
// frame, and each recovers the way RELIABILITY.md says.
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace tessera::testing {
namespace {

using ::testing::HasSubstr;

// `"key": value` in the object of `scenario` in faults.json.
std::string Field(const std::string& json, const std::string& scenario,
                  const std::string& key) {
  const size_t object = json.find("\"scenario\": \"" + scenario + "\"");
  if (object == std::string::npos) return "";
  const size_t end = json.find('}', object);
  const size_t at = json.find("\"" + key + "\": ", object);
  if (at == std::string::npos || at > end) return "";
  const size_t from = at + key.size() + 4;
  if (json[from] == '"') {  // a string: to its closing quote
    size_t close = from + 1;
    while (close < json.size() &&
           (json[close] != '"' || json[close - 1] == '\\')) {
      ++close;
    }
    return json.substr(from + 1, close - from - 1);
  }
  return json.substr(from, json.find_first_of(",}", from) - from);
}

double Number(const std::string& json, const std::string& scenario,
              const std::string& key) {
  double value = -1;
  EXPECT_TRUE(absl::SimpleAtod(Field(json, scenario, key), &value))
      << scenario << " " << key << " in " << json;
  return value;
}

TEST(FaultsTest, NoScenarioLosesOrDuplicatesAFrame) {
  const std::string out = TempDir() + "/faults";
  Subprocess faults({TESSERA_FAULTS_BINARY, "--quick", "--out=" + out},
                    "faults-quick");
  ASSERT_EQ(faults.Wait(300000), 0) << faults.log();
  std::ifstream file(out + "/faults.json");
  std::stringstream text;
  text << file.rdbuf();
  const std::string json = text.str();
  for (const std::string scenario : {"none", "worker-killed", "worker-frozen",
                                     "master-restart", "no-workers"}) {
    EXPECT_EQ(Number(json, scenario, "frames"), 40) << scenario;
    EXPECT_EQ(Number(json, scenario, "lost"), 0) << scenario;
    EXPECT_EQ(Number(json, scenario, "duplicates"), 0) << scenario;
  }
  EXPECT_EQ(Number(json, "none", "masks"), 40);
  // A killed worker's regions are redone at once (its link breaks): the
  // stream is held up for well under the 2 s goal.
  EXPECT_EQ(Number(json, "worker-killed", "masks"), 40);
  EXPECT_LT(Number(json, "worker-killed", "longest_stall_ms"), 2000);
  // A frozen one's wait for the 1.5 s task deadline.
  EXPECT_EQ(Number(json, "worker-frozen", "masks"), 40);
  EXPECT_LT(Number(json, "worker-frozen", "longest_stall_ms"), 1500 + 1500);
  // The client is told its master went away, then resumes on the new one,
  // which every worker has found again.
  EXPECT_THAT(Field(json, "master-restart", "client_error"),
              HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(Field(json, "master-restart", "client_error"),
              HasSubstr("to resume, stream again with --skip_frames="));
  EXPECT_EQ(Number(json, "master-restart", "masks"), 40);
  EXPECT_GT(Number(json, "master-restart", "reregistration_ms"), 0);
  // Without workers, frames past the queue's bound are refused, each with
  // its own UNAVAILABLE; the queued ones are segmented once workers return.
  EXPECT_GT(Number(json, "no-workers", "refused"), 0);
  EXPECT_EQ(Number(json, "no-workers", "masks") +
                Number(json, "no-workers", "refused"),
            40);
}

}  // namespace
}  // namespace tessera::testing
