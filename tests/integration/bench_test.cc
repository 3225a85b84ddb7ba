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

// bench.csv as cells by configuration (first column) and column name.
using CsvRows = std::map<std::string, std::map<std::string, std::string>>;

CsvRows ReadCsv(const std::string& path) {
  std::vector<std::string> lines =
      absl::StrSplit(ReadText(path), '\n', absl::SkipEmpty());
  CsvRows rows;
  if (lines.empty()) return rows;
  const std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> cells = absl::StrSplit(lines[i], ',');
    EXPECT_EQ(cells.size(), header.size()) << lines[i];
    for (size_t c = 0; c < cells.size() && c < header.size(); ++c) {
      rows[cells[0]][header[c]] = cells[c];
    }
  }
  return rows;
}

double Number(CsvRows& rows, const std::string& config,
              const std::string& column) {
  double value = -1;
  EXPECT_TRUE(absl::SimpleAtod(rows[config][column], &value))
      << config << " " << column;
  return value;
}

void ExpectPng(const std::string& path) {
  absl::StatusOr<Image> plot =
      DecodeImage(ReadText(path), Encoding::kPng, {.channels = 3});
  ASSERT_TRUE(plot.ok()) << path << ": " << plot.status();
  EXPECT_EQ(plot->width, 960);
  EXPECT_EQ(plot->height, 540);
}

TEST(BenchTest, QuickMatrixRunsEveryConfigurationAndWritesItsResults) {
  const std::string out = TempDir() + "/bench";
  Subprocess bench(
      {TESSERA_BENCH_BINARY, "--quick",
       "--model=" TESSERA_MODELS_DIR "/synth.pt", "--profile=raspberry-pi4",
       "--profiles_dir=" TESSERA_PROFILES_DIR, "--out=" + out},
      "bench-quick");
  ASSERT_EQ(bench.Wait(300000), 0) << bench.log();
  EXPECT_THAT(bench.log(), HasSubstr("wrote bench.csv, bench.json, bench.png, "
                                     "breakdown.png in " +
                                     out));

  CsvRows rows = ReadCsv(out + "/bench.csv");
  ASSERT_EQ(rows.size(), 3u) << ReadText(out + "/bench.csv");
  auto number = [&](const std::string& config, const std::string& column) {
    return Number(rows, config, column);
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

  // Figure 6: each worker bar adds up to the wall time per frame (the
  // emulated Pi is never busier than that), and the master's parts were
  // measured: its own work from the frame stats, the rest of its CPU
  // time from its /metrics. Single has no master process to transfer.
  for (const std::string config : {"single", "1+1", "1+2"}) {
    const double worker_bar = number(config, "worker_segmentation_ms") +
                              number(config, "worker_flow_ms") +
                              number(config, "worker_decision_ms") +
                              number(config, "worker_transfer_ms") +
                              number(config, "worker_idle_ms");
    EXPECT_NEAR(worker_bar, 1000 / number(config, "fps"),
                0.02 * worker_bar + 0.05)
        << config;
    EXPECT_GT(number(config, "worker_segmentation_ms"), 0) << config;
    EXPECT_GT(number(config, "worker_transfer_ms"), 0) << config;
    EXPECT_GT(number(config, "master_split_ms"), 0) << config;
    EXPECT_GT(number(config, "master_stitch_ms"), 0) << config;
  }
  EXPECT_EQ(number("single", "master_transfer_ms"), 0);
  EXPECT_GT(number("1+1", "master_transfer_ms"), 0);
  EXPECT_GT(number("1+2", "master_idle_ms"), 0);

  // The Figure 5 and 6 plots: real PNGs of the plot's size.
  ExpectPng(out + "/bench.png");
  ExpectPng(out + "/breakdown.png");

  const std::string json = ReadText(out + "/bench.json");
  EXPECT_THAT(json, HasSubstr("\"configs\": ["));
  EXPECT_THAT(json, HasSubstr("\"config\": \"1+2\""));
}

TEST(BenchTest, ThresholdSweepRunsEveryConfigurationAtEachSetting) {
  const std::string out = TempDir() + "/bench-sweep";
  Subprocess bench({TESSERA_BENCH_BINARY, "--quick", "--configs=single,1",
                    "--thresholds=off,90",
                    "--model=" TESSERA_MODELS_DIR "/synth.pt", "--out=" + out},
                   "bench-sweep");
  ASSERT_EQ(bench.Wait(300000), 0) << bench.log();
  CsvRows rows = ReadCsv(out + "/bench.csv");
  ASSERT_EQ(rows.size(), 4u) << ReadText(out + "/bench.csv");
  for (const std::string config : {"single@off", "1+1@off"}) {
    EXPECT_EQ(Number(rows, config, "dvs"), 0) << config;
    EXPECT_EQ(Number(rows, config, "warped_fraction"), 0) << config;
  }
  for (const std::string config : {"single@90", "1+1@90"}) {
    EXPECT_EQ(Number(rows, config, "dvs"), 1) << config;
    EXPECT_EQ(Number(rows, config, "threshold"), 90) << config;
  }
  // Each Single is its own setting's baseline.
  EXPECT_DOUBLE_EQ(Number(rows, "single@off", "speedup"), 1.0);
  EXPECT_DOUBLE_EQ(Number(rows, "single@90", "speedup"), 1.0);
  ExpectPng(out + "/pareto.png");
}

}  // namespace
}  // namespace tessera::testing
