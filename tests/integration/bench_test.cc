// tessera-bench end to end: its --quick matrix (Single, 1+1, 1+2) on a
// generated clip with the shipped synth model and emulated Raspberry Pi 4
// workers, as CI runs it.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/image_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace tessera::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadText(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(BenchTest, QuickMatrixRunsEveryConfigurationAndWritesItsResults) {
  const std::string out = TempDir() + "/bench";
  Subprocess bench(
      {TESSERA_BENCH_BINARY, "--quick",
       "--model=" TESSERA_MODELS_DIR "/synth.pt", "--profile=raspberry-pi4",
       "--profiles_dir=" TESSERA_PROFILES_DIR, "--out=" + out},
      "bench-quick");
  ASSERT_EQ(bench.Wait(300000), 0) << bench.log();
  EXPECT_THAT(bench.log(), HasSubstr("wrote " + out + "/bench.csv"));

  // One CSV row per configuration, keyed by the header's column names.
  std::vector<std::string> lines =
      absl::StrSplit(ReadText(out + "/bench.csv"), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << ReadText(out + "/bench.csv");
  const std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  std::map<std::string, std::map<std::string, std::string>> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> cells = absl::StrSplit(lines[i], ',');
    ASSERT_EQ(cells.size(), header.size()) << lines[i];
    for (size_t c = 0; c < cells.size(); ++c) {
      rows[cells[0]][header[c]] = cells[c];
    }
  }
  auto number = [&](const std::string& config, const std::string& column) {
    double value = -1;
    EXPECT_TRUE(absl::SimpleAtod(rows[config][column], &value))
        << config << " " << column;
    return value;
  };
  for (const std::string config : {"single", "1+1", "1+2"}) {
    ASSERT_EQ(rows.count(config), 1u) << config;
    EXPECT_GT(number(config, "fps"), 0) << config;
    // The synth model on a generated clip it was not trained on.
    EXPECT_GT(number(config, "miou"), 0.5) << config;
    EXPECT_EQ(
        rows[config]["profiles"].find("raspberry-pi4") != std::string::npos,
        true)
        << rows[config]["profiles"];
  }
  EXPECT_DOUBLE_EQ(number("single", "speedup"), 1.0);
  EXPECT_EQ(number("1+2", "workers"), 2);
  // The workers really emulated the device: every region step was paced.
  EXPECT_GT(number("1+1", "emulation_steps"), 0);
  EXPECT_GT(number("1+2", "emulation_steps"), 0);

  // The Figure 5 plot: a real PNG of the plot's size.
  absl::StatusOr<Image> plot = DecodeImage(ReadText(out + "/bench.png"),
                                           Encoding::kPng, {.channels = 3});
  ASSERT_TRUE(plot.ok()) << plot.status();
  EXPECT_EQ(plot->width, 960);
  EXPECT_EQ(plot->height, 540);

  const std::string json = ReadText(out + "/bench.json");
  EXPECT_THAT(json, HasSubstr("\"configs\": ["));
  EXPECT_THAT(json, HasSubstr("\"config\": \"1+2\""));
}

}  // namespace
}  // namespace tessera::testing
