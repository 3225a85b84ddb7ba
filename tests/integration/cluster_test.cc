// End-to-end: real master and worker processes on loopback, the real client
// library, a real TorchScript model.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "client/stream_client.h"
#include "common/image_codec.h"
#include "common/region_grid.h"
#include "common/split_stitch.h"
#include "common/tls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/local_cluster.h"
#include "tools/test_models.h"
#include "worker/segmenter.h"

namespace tessera::testing {
namespace {

using ::testing::HasSubstr;

namespace fs = std::filesystem;

constexpr GridSpec kGrid{2, 2, 8};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

Image TestFrame(int width, int height, int t) {
  std::mt19937 rng(t);
  Image image = Image::Create(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>(((x + 3 * t) * 7 + rng() % 30) & 0xff);
      p[1] = static_cast<uint8_t>((y * 5 + rng() % 30) & 0xff);
      p[2] = static_cast<uint8_t>((((x + t) ^ y) * 3) & 0xff);
    }
  }
  return image;
}

class ClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::string(TempDir() + "/cluster-model.pt");
    ASSERT_TRUE(tools::WriteRandomModel(*model_, {.classes = 11}).ok());
    frames_dir_ = new std::string(TempDir() + "/cluster-frames");
    fs::create_directories(*frames_dir_);
    expected_ = new std::vector<LabelMap>();
    absl::StatusOr<std::unique_ptr<worker::Segmenter>> segmenter =
        worker::CreateSegmenter({.model_path = *model_, .threads = 1});
    ASSERT_TRUE(segmenter.ok()) << segmenter.status();
    for (int t = 0; t < kFrames; ++t) {
      Image frame = TestFrame(kWidth, kHeight, t);
      absl::StatusOr<std::string> png = EncodeImage(frame, Encoding::kPng);
      ASSERT_TRUE(png.ok());
      char name[32];
      std::snprintf(name, sizeof(name), "/%06d.png", t);
      std::ofstream(*frames_dir_ + name, std::ios::binary) << *png;
      // The reference: the model run directly on each whole region.
      absl::StatusOr<std::vector<Region>> regions =
          MakeRegionGrid(frame.size(), kGrid);
      std::vector<RegionLabels> parts;
      for (const Image& crop : SplitFrame(frame, *regions)) {
        absl::StatusOr<worker::Segmentation> out =
            (*segmenter)->Segment(crop, false);
        ASSERT_TRUE(out.ok());
        parts.push_back({std::move(out->labels), Image()});
      }
      expected_->push_back(
          *StitchLabels(frame.size(), *regions, parts, StitchMode::kCropHalo));
    }
  }

  // Streams the test clip, writing its masks under `out`.
  static absl::StatusOr<client::StreamSummary> StreamClip(
      LocalCluster& cluster, const std::string& out,
      const std::string& auth_token = "", const TlsFiles& tls = {}) {
    client::StreamClientOptions options;
    options.master = cluster.address();
    options.auth_token = auth_token;
    options.tls = tls;
    options.source = *frames_dir_;
    options.output = out;
    options.overlay = "none";
    options.progress = false;
    return client::RunStream(options);
  }

  // Streams the test clip and checks every mask against the reference.
  static void StreamAndCheck(LocalCluster& cluster, const std::string& out,
                             client::StreamSummary* summary_out = nullptr,
                             const std::string& auth_token = "",
                             const TlsFiles& tls = {}) {
    absl::StatusOr<client::StreamSummary> summary =
        StreamClip(cluster, out, auth_token, tls);
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->frames_sent, kFrames);
    EXPECT_EQ(summary->masks, kFrames);
    EXPECT_EQ(summary->errors, 0);
    EXPECT_EQ(summary->dropped, 0);
    ExpectMasksMatch(out);
    if (summary_out != nullptr) *summary_out = *summary;
  }

  // Frame `t`'s mask as the client wrote it under `out`.
  static absl::StatusOr<Image> ReadMask(const std::string& out, int t) {
    char name[32];
    std::snprintf(name, sizeof(name), "/labels/%06d.png", t);
    return DecodeImage(ReadFile(out + name), Encoding::kPng, {.channels = 1});
  }

  // Every label PNG under `out` equals the reference masks.
  static void ExpectMasksMatch(const std::string& out) {
    for (int t = 0; t < kFrames; ++t) {
      absl::StatusOr<Image> mask = ReadMask(out, t);
      ASSERT_TRUE(mask.ok()) << "frame " << t << ": " << mask.status();
      ASSERT_EQ(mask->pixels, (*expected_)[t].pixels) << "frame " << t;
    }
  }

  static constexpr int kFrames = 24;
  static constexpr int kWidth = 320;
  static constexpr int kHeight = 240;
  static std::string* model_;
  static std::string* frames_dir_;
  static std::vector<LabelMap>* expected_;
};

std::string* ClusterTest::model_ = nullptr;
std::string* ClusterTest::frames_dir_ = nullptr;
std::vector<LabelMap>* ClusterTest::expected_ = nullptr;

std::vector<std::string> GridFlags() {
  return {"--grid=2x2", "--halo=8", "--worker_silence_ms=3000"};
}

TEST_F(ClusterTest, OneWorkerGivesTheModelsOwnMasks) {
  LocalCluster cluster({.workers = 1,
                        .model = *model_,
                        .master_flags = GridFlags(),
                        .name = "one"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  StreamAndCheck(cluster, TempDir() + "/out-one");
}

// The value of one metric in Prometheus text, -1 when absent.
double MetricValue(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return -1;
}

TEST_F(ClusterTest, HttpEndpointsReportReadinessAndCountersThatMove) {
  const std::string worker_port_file = TempDir() + "/http-w0.http-port";
  LocalCluster cluster(
      {.workers = 0,
       .model = *model_,
       .master_flags = GridFlags(),
       .worker_flags = {"--http_listen=127.0.0.1:0",
                        "--http_port_file=" + worker_port_file},
       .name = "http"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  ASSERT_GT(cluster.http_port(), 0);
  httplib::Client http("127.0.0.1", cluster.http_port());
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "not ready: no worker registered\n");

  cluster.AddWorker();
  ASSERT_TRUE(cluster.WaitForWorkers(1, 30000)) << cluster.master().log();
  ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto before = http.Get("/metrics");
  ASSERT_TRUE(before);
  EXPECT_EQ(MetricValue(before->body, "tessera_workers"), 1);
  EXPECT_EQ(MetricValue(before->body, "tessera_frames_out_total"), 0);
  StreamAndCheck(cluster, TempDir() + "/out-http");
  auto after = http.Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(MetricValue(after->body, "tessera_frames_in_total"), kFrames);
  EXPECT_EQ(MetricValue(after->body, "tessera_frames_out_total"), kFrames);
  EXPECT_EQ(MetricValue(after->body, "tessera_regions_done_total"),
            4 * kFrames);
  EXPECT_EQ(MetricValue(after->body, "tessera_streams"), 0);
  EXPECT_EQ(MetricValue(after->body, "tessera_frame_latency_seconds_count"),
            kFrames);
  EXPECT_EQ(MetricValue(after->body,
                        "tessera_worker_regions_total{worker=\"http-w0\"}"),
            4 * kFrames);

  // The worker's own view of the same work.
  const int worker_port = WaitForPortFile(worker_port_file, 1000);
  ASSERT_GT(worker_port, 0);
  auto worker_metrics =
      httplib::Client("127.0.0.1", worker_port).Get("/metrics");
  ASSERT_TRUE(worker_metrics);
  EXPECT_EQ(MetricValue(worker_metrics->body,
                        "tessera_worker_regions_segmented_total"),
            4 * kFrames);
  EXPECT_EQ(MetricValue(worker_metrics->body, "tessera_worker_connected"), 1);
  EXPECT_EQ(
      MetricValue(worker_metrics->body, "tessera_worker_registrations_total"),
      1);
  EXPECT_GT(MetricValue(worker_metrics->body,
                        "tessera_worker_segmentation_seconds_total"),
            0);

  // The live page names the stream and serves its last overlay.
  auto page = http.Get("/live");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("src=\"/live/1.png\""));
  EXPECT_THAT(page->body, HasSubstr("<td>http-w0</td><td>96</td>"));
  auto picture = http.Get("/live/1.png");
  ASSERT_TRUE(picture);
  ASSERT_EQ(picture->status, 200);
  absl::StatusOr<Image> overlay =
      DecodeImage(picture->body, Encoding::kPng, {kWidth, kHeight, 3});
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  auto missing = http.Get("/live/99.png");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ClusterTest, WithAnAuthTokenOnlyWorkersAndClientsThatSendItGetIn) {
  const std::string token_file = TempDir() + "/auth.token";
  std::ofstream(token_file) << "s3cret-t0ken\n";
  const std::string wrong_file = TempDir() + "/wrong.token";
  std::ofstream(wrong_file) << "guess\n";
  std::vector<std::string> master_flags = GridFlags();
  master_flags.push_back("--auth_token_file=" + token_file);
  LocalCluster cluster({.workers = 0,
                        .model = *model_,
                        .master_flags = master_flags,
                        .name = "auth"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();

  // A worker with the wrong token is refused and never registers.
  const int intruder = cluster.AddWorker({"--auth_token_file=" + wrong_file});
  EXPECT_TRUE(WaitForLog(cluster.worker(intruder), "UNAUTHENTICATED", 30000))
      << cluster.worker(intruder).log();
  EXPECT_FALSE(cluster.WaitForWorkers(1, 500)) << cluster.master().log();

  // A client without the token cannot stream, and is told why.
  client::StreamClientOptions options;
  options.master = cluster.address();
  options.source = *frames_dir_;
  options.progress = false;
  absl::StatusOr<client::StreamSummary> refused = client::RunStream(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.status().message(), HasSubstr("auth token"));

  // With the token both get in; every frame goes to the admitted worker.
  cluster.AddWorker({"--auth_token_file=" + token_file});
  ASSERT_TRUE(cluster.WaitForWorkers(1, 30000)) << cluster.master().log();
  client::StreamSummary summary;
  StreamAndCheck(cluster, TempDir() + "/out-auth", &summary, "s3cret-t0ken");
  EXPECT_EQ(summary.regions_per_worker.size(), 1u);
  EXPECT_EQ(summary.regions_per_worker.count("auth-w1"), 1u);
}

// TLS on the gRPC port with the throwaway certificates of
// deploy/make-certs.sh; with the CA on the master, mutual TLS for workers.
TEST_F(ClusterTest, WithMutualTlsOnlyWorkersWithACertificateGetIn) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl is not installed (scripts/install-deps.sh "
                    "installs it)";
  }
  const std::string certs = TempDir() + "/certs";
  ASSERT_EQ(std::system(("bash " TESSERA_DEPLOY_DIR "/make-certs.sh " + certs +
                         " >/dev/null")
                            .c_str()),
            0);
  const std::string ca = "--tls_ca=" + certs + "/ca.crt";
  std::vector<std::string> master_flags = GridFlags();
  master_flags.insert(master_flags.end(),
                      {"--tls_cert=" + certs + "/master.crt",
                       "--tls_key=" + certs + "/master.key", ca});
  LocalCluster cluster({.workers = 0,
                        .model = *model_,
                        .master_flags = master_flags,
                        .name = "tls"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  EXPECT_TRUE(
      WaitForLog(cluster.master(), "TLS, workers need a certificate", 1000))
      << cluster.master().log();

  // A worker that checks the master but shows no certificate is refused
  // and never registers; nor does one that does not speak TLS at all.
  const int anonymous = cluster.AddWorker({ca});
  EXPECT_TRUE(WaitForLog(cluster.worker(anonymous), "UNAUTHENTICATED", 30000))
      << cluster.worker(anonymous).log();
  const int plain = cluster.AddWorker();
  EXPECT_TRUE(WaitForLog(cluster.worker(plain), "cannot reach master", 30000))
      << cluster.worker(plain).log();
  EXPECT_FALSE(cluster.WaitForWorkers(1, 500)) << cluster.master().log();

  // A plain-text client cannot stream either.
  client::StreamClientOptions options;
  options.master = cluster.address();
  options.source = *frames_dir_;
  options.progress = false;
  options.connect_timeout = absl::Seconds(2);
  absl::StatusOr<client::StreamSummary> refused = client::RunStream(options);
  EXPECT_FALSE(refused.ok());

  // The worker with a certificate gets every region; a client that checks
  // the master (and shows no certificate: clients need none) gets every
  // mask, bit-exact.
  cluster.AddWorker({ca, "--tls_cert=" + certs + "/worker.crt",
                     "--tls_key=" + certs + "/worker.key"});
  ASSERT_TRUE(cluster.WaitForWorkers(1, 30000)) << cluster.master().log();
  TlsFiles client_tls;
  client_tls.ca = ReadFile(certs + "/ca.crt");
  client::StreamSummary summary;
  StreamAndCheck(cluster, TempDir() + "/out-tls", &summary, "", client_tls);
  EXPECT_EQ(summary.regions_per_worker.size(), 1u);
  EXPECT_EQ(summary.regions_per_worker.count("tls-w2"), 1u);
}

// What a person sees: the live page in a real browser (Debian's headless
// Chromium) shows the stream's picture, not an empty page.
TEST_F(ClusterTest, LivePageShowsAFrameInChromium) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh "
                    "installs it)";
  }
  LocalCluster cluster({.workers = 1,
                        .model = *model_,
                        .master_flags = GridFlags(),
                        .name = "browser"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  StreamAndCheck(cluster, TempDir() + "/out-browser");
  const std::string shot = TempDir() + "/live.png";
  const std::string command = absl::StrCat(
      "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--window-size=800,600 --virtual-time-budget=2000 --screenshot=",
      shot, " http://127.0.0.1:", cluster.http_port(), "/live >", TempDir(),
      "/chromium.log 2>&1");
  ASSERT_EQ(std::system(command.c_str()), 0)
      << ReadFile(TempDir() + "/chromium.log");
  absl::StatusOr<Image> page =
      DecodeImage(ReadFile(shot), Encoding::kPng, {.channels = 3});
  ASSERT_TRUE(page.ok()) << page.status();
  // The page background is #fafafa and its text black or grey; the picture
  // is the overlay's colours. Count clearly coloured pixels.
  int coloured = 0;
  for (int y = 0; y < page->height; ++y) {
    for (int x = 0; x < page->width; ++x) {
      const uint8_t* p = page->at(x, y);
      const int spread =
          std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]});
      if (spread > 40) ++coloured;
    }
  }
  EXPECT_GT(coloured, kWidth * kHeight / 4)
      << "the screenshot " << shot << " shows no picture";
}

TEST_F(ClusterTest, ThreeWorkersGiveTheSameMasksAndShareTheWork) {
  LocalCluster cluster({.workers = 3,
                        .model = *model_,
                        .master_flags = GridFlags(),
                        .name = "three"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  client::StreamSummary summary;
  StreamAndCheck(cluster, TempDir() + "/out-three", &summary);
  int total = 0;
  for (const auto& [worker, count] : summary.regions_per_worker) {
    EXPECT_GT(count, 0) << worker;
    total += count;
  }
  EXPECT_GE(summary.regions_per_worker.size(), 2u);
  EXPECT_EQ(total, 4 * kFrames);
}

// A worker batching regions (--max_batch) answers every region of every
// frame with the labels one-at-a-time segmentation gives (up to fp32
// rounding in the batched forward pass).
TEST_F(ClusterTest, ABatchingWorkerGivesTheSameMasks) {
  LocalCluster cluster({.workers = 1,
                        .model = *model_,
                        .master_flags = GridFlags(),
                        .worker_flags = {"--max_batch=4", "--max_wait_us=5000"},
                        .name = "batch"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  const std::string out = TempDir() + "/out-batch";
  absl::StatusOr<client::StreamSummary> summary = StreamClip(cluster, out);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->masks, kFrames);
  size_t differ = 0;
  for (int t = 0; t < kFrames; ++t) {
    absl::StatusOr<Image> mask = ReadMask(out, t);
    ASSERT_TRUE(mask.ok()) << "frame " << t << ": " << mask.status();
    ASSERT_EQ(mask->pixels.size(), (*expected_)[t].pixels.size());
    for (size_t p = 0; p < mask->pixels.size(); ++p) {
      differ += mask->pixels[p] != (*expected_)[t].pixels[p];
    }
  }
  EXPECT_LE(differ, static_cast<size_t>(kFrames * kWidth * kHeight) / 1000);
  EXPECT_THAT(cluster.worker(0).log(), HasSubstr("batches of up to 4"));
}

TEST_F(ClusterTest, KillingAWorkerMidStreamLosesNoFrame) {
  LocalCluster cluster({.workers = 3,
                        .model = *model_,
                        .master_flags = GridFlags(),
                        .name = "kill"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  const std::string out = TempDir() + "/out-kill";
  fs::remove_all(out);
  bool killed_mid_stream = false;
  std::thread killer([&] {
    // Kill worker 1 once the first masks are out, while frames still flow.
    for (int i = 0; i < 2000; ++i) {
      std::error_code error;
      auto labels = fs::path(out) / "labels";
      int written = 0;
      if (fs::exists(labels, error)) {
        for (auto it = fs::directory_iterator(labels, error);
             it != fs::directory_iterator(); ++it) {
          ++written;
        }
      }
      if (written >= 2) {
        killed_mid_stream = written < kFrames;
        cluster.worker(1).Kill(SIGKILL);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  client::StreamSummary summary;
  StreamAndCheck(cluster, out, &summary);
  killer.join();
  EXPECT_TRUE(killed_mid_stream);
  EXPECT_TRUE(WaitForLog(cluster.master(), "worker kill-w1 left", 5000))
      << cluster.master().log();
}

TEST_F(ClusterTest, TwoClientsStreamAtOnceAndBothGetEveryMask) {
  LocalCluster cluster({.workers = 2,
                        .model = *model_,
                        .master_flags = GridFlags(),
                        .name = "twoclients"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  std::thread other([&] { StreamAndCheck(cluster, TempDir() + "/out-a"); });
  StreamAndCheck(cluster, TempDir() + "/out-b");
  other.join();
}

TEST_F(ClusterTest, MasterReadsASourceItselfAndWritesMasks) {
  const std::string out = TempDir() + "/out-source";
  std::vector<std::string> flags = GridFlags();
  flags.push_back("--source=" + *frames_dir_);
  flags.push_back("--output=" + out);
  flags.push_back("--overlay=png");
  // One worker: the master starts on its source as soon as a worker joins
  // and exits when done, so on a loaded machine a second worker may find
  // it gone before it registers (Start would then wait for it in vain).
  LocalCluster cluster({.workers = 1,
                        .model = *model_,
                        .master_flags = flags,
                        .name = "source"});
  ASSERT_TRUE(cluster.Start()) << cluster.master().log();
  EXPECT_EQ(cluster.master().Wait(60000), 0) << cluster.master().log();
  EXPECT_THAT(cluster.master().log(),
              ::testing::HasSubstr("24 frames read (0 unreadable), 24 masks"));
  ExpectMasksMatch(out);
  for (int t = 0; t < kFrames; ++t) {
    char name[32];
    std::snprintf(name, sizeof(name), "/overlay/%06d.png", t);
    EXPECT_TRUE(fs::exists(out + name)) << name;
  }
}

}  // namespace
}  // namespace tessera::testing
