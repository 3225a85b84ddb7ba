// A pipelined network on real processes (issue 9): the master joins two
// stage-serving workers into a pipeline of the shipped camvid model, a third
// works alone; every mask equals the whole model's, and losing the
// pipeline's second stage mid-stream loses no frame (its regions go back to
// whole-model work).
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "client/stream_client.h"
#include "common/file_bytes.h"
#include "common/image_codec.h"
#include "common/region_grid.h"
#include "common/split_stitch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"
#include "worker/segmenter.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kFrames = 16;
constexpr GridSpec kGrid{2, 2, 8};
const std::string kModel = std::string(TESSERA_MODELS_DIR) + "/camvid.pt";

Image Frame(int t) {
  std::mt19937 rng(t);
  Image image = Image::Create(320, 240, 3);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>((x + 4 * t + y / 2) & 0xff);
      p[1] = static_cast<uint8_t>((y * 3 + rng() % 20) & 0xff);
      p[2] = static_cast<uint8_t>((((x + t) ^ y) * 2) & 0xff);
    }
  }
  return image;
}

int MasksWritten(const std::string& out) {
  std::error_code error;
  int written = 0;
  for (auto it = fs::directory_iterator(fs::path(out) / "labels", error);
       !error && it != fs::directory_iterator(); ++it) {
    ++written;
  }
  return written;
}

TEST(PipelineClusterTest, PipelinedMasksEqualTheWholeModelsAndSurviveAStage) {
  const std::string frames = TempDir() + "/pipeline-frames";
  fs::create_directories(frames);
  absl::StatusOr<std::unique_ptr<worker::Segmenter>> whole =
      worker::CreateSegmenter({.model_path = kModel, .threads = 1});
  ASSERT_TRUE(whole.ok()) << whole.status();
  std::vector<LabelMap> expected;
  for (int t = 0; t < kFrames; ++t) {
    const Image frame = Frame(t);
    absl::StatusOr<std::string> png = EncodeImage(frame, Encoding::kPng);
    ASSERT_TRUE(png.ok());
    char name[32];
    std::snprintf(name, sizeof(name), "/%06d.png", t);
    std::ofstream(frames + name, std::ios::binary) << *png;
    absl::StatusOr<std::vector<Region>> regions =
        MakeRegionGrid(frame.size(), kGrid);
    ASSERT_TRUE(regions.ok());
    std::vector<RegionLabels> parts;
    for (const Image& crop : SplitFrame(frame, *regions)) {
      absl::StatusOr<worker::Segmentation> out = (*whole)->Segment(crop, false);
      ASSERT_TRUE(out.ok()) << out.status();
      parts.push_back({std::move(out->labels), Image()});
    }
    expected.push_back(
        *StitchLabels(frame.size(), *regions, parts, StitchMode::kCropHalo));
  }

  LocalCluster cluster(
      {.workers = 3,
       .model = kModel,
       .master_flags = {"--grid=2x2", "--halo=8", "--dvs=off",
                        "--worker_silence_ms=3000", "--pipeline_stages=2",
                        "--pipeline_wire=fp32"},
       .worker_flags = {"--stage_listen=127.0.0.1:0", "--stage_probe=64",
                        "--threads=1", "--max_batch=2"},
       .name = "pipe"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  ASSERT_TRUE(WaitForLog(cluster.master(), "pipeline p1 of model", 10000))
      << cluster.master().log();
  int tail = -1;
  for (int i = 0; i < cluster.worker_count(); ++i) {
    if (WaitForLog(cluster.worker(i), "stage 1 of 2", 100)) tail = i;
  }
  ASSERT_GE(tail, 0) << cluster.master().log();

  const std::string out = TempDir() + "/out-pipeline";
  fs::remove_all(out);
  bool killed_mid_stream = false;
  std::thread killer([&] {
    for (int i = 0; i < 4000; ++i) {
      const int written = MasksWritten(out);
      if (written >= 3) {
        killed_mid_stream = written < kFrames;
        cluster.worker(tail).Kill(SIGKILL);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  client::StreamClientOptions options;
  options.master = cluster.address();
  options.source = frames;
  options.output = out;
  options.overlay = "none";
  options.progress = false;
  options.rate = 8;  // leave the kill time to land mid-stream
  absl::StatusOr<client::StreamSummary> summary = client::RunStream(options);
  killer.join();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->masks, kFrames);
  EXPECT_EQ(summary->errors, 0);
  for (int t = 0; t < kFrames; ++t) {
    char name[32];
    std::snprintf(name, sizeof(name), "/labels/%06d.png", t);
    absl::StatusOr<std::string> png = ReadFileBytes(out + name);
    ASSERT_TRUE(png.ok()) << png.status();
    absl::StatusOr<Image> mask =
        DecodeImage(*png, Encoding::kPng, {.channels = 1});
    ASSERT_TRUE(mask.ok()) << "frame " << t << ": " << mask.status();
    EXPECT_EQ(mask->pixels, expected[t].pixels) << "frame " << t;
  }
  EXPECT_TRUE(killed_mid_stream);
  EXPECT_TRUE(WaitForLog(cluster.master(), "pipeline p1 dissolved", 5000))
      << cluster.master().log();
}

}  // namespace
}  // namespace tessera::testing
