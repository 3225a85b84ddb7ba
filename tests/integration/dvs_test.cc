// DVSNet end to end: a real master and workers running the shipped synth
// model with its decision network and DIS flow, on a generated clip.
// Workers warp most regions, a worker killed mid-stream leaves its keys
// behind at the master, which forwards them over gRPC (KeyFrame in
// RegionTask) to the survivor, and the masks stay close to the generator's
// ground truth.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "client/stream_client.h"
#include "common/image_codec.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"
#include "tools/synth_scene.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kFrames = 30;

// Writes a generated clip's frames and labels as PNG folders.
void WriteClip(const std::string& dir) {
  fs::create_directories(dir + "/frames");
  fs::create_directories(dir + "/labels");
  absl::StatusOr<std::unique_ptr<tools::SynthScene>> scene =
      tools::SynthScene::Create(
          {.width = 320, .height = 240, .frames = kFrames, .seed = 700});
  ASSERT_TRUE(scene.ok()) << scene.status();
  for (int t = 0; t < kFrames; ++t) {
    absl::StatusOr<tools::SynthFrame> frame = (*scene)->Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    char name[32];
    std::snprintf(name, sizeof(name), "/%06d.png", t);
    std::ofstream(dir + "/frames" + name, std::ios::binary)
        << *EncodeImage(frame->image, Encoding::kPng);
    std::ofstream(dir + "/labels" + name, std::ios::binary)
        << *EncodeImage(frame->labels, Encoding::kPng);
  }
}

absl::StatusOr<client::StreamSummary> Stream(LocalCluster& cluster,
                                             const std::string& clip,
                                             const std::string& dvs,
                                             const std::string& out = "") {
  client::StreamClientOptions options;
  options.master = cluster.address();
  options.source = clip + "/frames";
  options.output = out;
  options.gt = clip + "/labels";
  options.overlay = "none";
  options.progress = false;
  options.config.mutable_dvs()->set_mode(
      dvs == "off" ? v1::DvsConfig::MODE_OFF : v1::DvsConfig::MODE_FIXED);
  return client::RunStream(options);
}

TEST(DvsClusterTest, WorkersWarpFromForwardedKeysAndStayAccurate) {
  const std::string clip = TempDir() + "/dvs-clip";
  WriteClip(clip);
  if (HasFatalFailure()) return;
  LocalCluster cluster(
      {.workers = 2,
       .model = std::string(TESSERA_MODELS_DIR) + "/synth.pt",
       .master_flags = {"--grid=2x2", "--halo=32", "--threshold=90"},
       .worker_flags = {"--threads=1"},
       .name = "dvs"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();

  absl::StatusOr<client::StreamSummary> off = Stream(cluster, clip, "off");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->masks, kFrames);
  EXPECT_EQ(off->regions_warped, 0);
  EXPECT_EQ(off->key_transfers, 0);

  // DVS, with worker 1 killed once a few masks are out: the regions whose
  // keys it made must get them from the master's key buffer.
  const std::string out = TempDir() + "/dvs-out";
  fs::remove_all(out);
  bool killed_mid_stream = false;
  std::thread killer([&] {
    for (int i = 0; i < 4000; ++i) {
      std::error_code error;
      int written = 0;
      for (auto it = fs::directory_iterator(out + "/labels", error);
           !error && it != fs::directory_iterator(); ++it) {
        ++written;
      }
      if (written >= 3) {
        killed_mid_stream = written < kFrames;
        cluster.worker(1).Kill(SIGKILL);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  absl::StatusOr<client::StreamSummary> dvs =
      Stream(cluster, clip, "fixed", out);
  killer.join();
  ASSERT_TRUE(dvs.ok()) << dvs.status();
  EXPECT_TRUE(killed_mid_stream);
  EXPECT_EQ(dvs->masks, kFrames);
  EXPECT_EQ(dvs->errors, 0);
  EXPECT_EQ(dvs->regions_segmented + dvs->regions_warped, 4 * kFrames);
  // Frame 0 is segmented everywhere; a smooth clip warps most of the rest.
  EXPECT_GE(dvs->regions_segmented, 4);
  EXPECT_GT(dvs->regions_warped, 2 * kFrames) << dvs->ToString();
  // The survivor got the dead worker's keys.
  EXPECT_GT(dvs->key_transfers, 0) << dvs->ToString();
  EXPECT_GT(dvs->key_bytes, 0);
  ASSERT_TRUE(off->metrics.has_value() && dvs->metrics.has_value());
  // Warped labels stay close to the generator's ground truth.
  EXPECT_GT(dvs->metrics->pixel_accuracy, off->metrics->pixel_accuracy - 0.05)
      << dvs->ToString();
}

}  // namespace
}  // namespace tessera::testing
