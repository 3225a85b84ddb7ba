// Tests for OpenFrameSource and OpenFrameSink against real files written into
// a fresh temporary folder per test.
#include <stdlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/frame_sink.h"
#include "common/frame_source.h"
#include "common/image.h"
#include "common/palette.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/core.hpp"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/videoio.hpp"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Lossy codecs (mp4v, JPEG) move flat colours by a few levels.
constexpr int kLossyTolerance = 24;

class FrameIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "frame_io_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code error;
    fs::remove_all(dir_, error);
  }

  std::string Path(const std::string& name) const {
    return (dir_ / name).string();
  }

  fs::path dir_;
};

// Writes `count` frames of one RGB colour with mp4v.
void WriteVideo(const std::string& path, int count, int width, int height,
                std::array<uint8_t, 3> rgb) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 25,
                         cv::Size(width, height));
  ASSERT_TRUE(writer.isOpened()) << path;
  const cv::Mat frame(height, width, CV_8UC3,
                      cv::Scalar(rgb[2], rgb[1], rgb[0]));
  for (int i = 0; i < count; ++i) writer.write(frame);
  writer.release();
}

void WriteGarbage(const std::string& path) {
  std::ofstream(path) << "this is not an image nor a video";
}

void ExpectColorNear(const Image& image, std::array<int, 3> rgb,
                     int tolerance) {
  ASSERT_EQ(image.channels, 3);
  const uint8_t* pixel = image.at(image.width / 2, image.height / 2);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(pixel[c], rgb[c], tolerance) << "channel " << c;
  }
}

Image SolidImage(int width, int height, std::array<uint8_t, 3> rgb) {
  Image image = Image::Create(width, height, 3);
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = rgb[i % 3];
  }
  return image;
}

LabelMap Stripes(int width, int height) {
  LabelMap labels = Image::Create(width, height, 1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) labels.at(x, y)[0] = (x + y) % 12;
  }
  return labels;
}

// Counts the frames of a source to its end, failing on any error.
int CountFrames(FrameSource& source) {
  int count = 0;
  while (true) {
    absl::StatusOr<std::optional<Image>> frame = source.Next();
    EXPECT_TRUE(frame.ok()) << frame.status();
    if (!frame.ok() || !frame->has_value()) return count;
    ++count;
  }
}

using FrameSourceTest = FrameIoTest;

TEST_F(FrameSourceTest, ReadsBackASyntheticVideo) {
  const std::string path = Path("clip.mp4");
  WriteVideo(path, 10, 64, 48, {200, 60, 30});
  absl::StatusOr<std::unique_ptr<FrameSource>> source = OpenFrameSource(path);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->frame_count(), 10);
  EXPECT_NEAR((*source)->fps(), 25, 0.01);
  EXPECT_THAT((*source)->description(), HasSubstr(path));
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    ASSERT_TRUE(frame->has_value()) << "frame " << i;
    EXPECT_EQ((*frame)->size(), (Size{64, 48}));
    // Red stays the first channel: the BGR frame was converted to RGB.
    ExpectColorNear(**frame, {200, 60, 30}, kLossyTolerance);
  }
  for (int i = 0; i < 2; ++i) {  // the end is sticky
    absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    EXPECT_FALSE(frame->has_value());
  }
}

TEST_F(FrameSourceTest, VideoStopsAtMaxFrames) {
  const std::string path = Path("clip.mp4");
  WriteVideo(path, 10, 32, 32, {0, 0, 255});
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(path, /*max_frames=*/3);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->frame_count(), 3);
  EXPECT_EQ(CountFrames(**source), 3);
}

TEST_F(FrameSourceTest, FolderIsReadInNameOrderAndSkipsUnreadableFiles) {
  // Byte order puts the upper-case name first.
  ASSERT_TRUE(cv::imwrite(Path("D.BMP"),
                          cv::Mat(6, 8, CV_8UC3, cv::Scalar(10, 20, 30))));
  ASSERT_TRUE(cv::imwrite(Path("a.png"), cv::Mat(6, 8, CV_8UC1, 77)));
  ASSERT_TRUE(cv::imwrite(Path("b.png"),
                          cv::Mat(6, 8, CV_8UC4, cv::Scalar(1, 2, 3, 128))));
  WriteGarbage(Path("bad.png"));
  ASSERT_TRUE(cv::imwrite(Path("c.jpg"),
                          cv::Mat(6, 8, CV_8UC3, cv::Scalar(0, 0, 250))));
  WriteGarbage(Path("notes.txt"));
  fs::create_directory(dir_ / "e.png");  // a folder, not an image

  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(dir_.string());
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->frame_count(), 5);
  EXPECT_EQ((*source)->fps(), 0);

  const std::vector<std::array<int, 3>> expected = {
      {30, 20, 10},  // D.BMP, BGR on disk
      {77, 77, 77},  // a.png, gray
      {3, 2, 1},     // b.png, BGRA
  };
  for (const std::array<int, 3>& rgb : expected) {
    absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    ASSERT_TRUE(frame->has_value());
    EXPECT_EQ((*frame)->size(), (Size{8, 6}));
    ExpectColorNear(**frame, rgb, 0);
  }

  absl::StatusOr<std::optional<Image>> bad = (*source)->Next();
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(Path("bad.png")));

  absl::StatusOr<std::optional<Image>> jpeg = (*source)->Next();
  ASSERT_TRUE(jpeg.ok()) << jpeg.status();
  ASSERT_TRUE(jpeg->has_value());
  ExpectColorNear(**jpeg, {250, 0, 0}, kLossyTolerance);

  absl::StatusOr<std::optional<Image>> end = (*source)->Next();
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_FALSE(end->has_value());
}

TEST_F(FrameSourceTest, FolderStopsAtMaxFrames) {
  for (const char* name : {"0.png", "1.png", "2.png", "3.png"}) {
    ASSERT_TRUE(cv::imwrite(Path(name), cv::Mat(4, 4, CV_8UC1, 5)));
  }
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(dir_.string(), /*max_frames=*/2);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->frame_count(), 2);
  EXPECT_EQ(CountFrames(**source), 2);
}

TEST_F(FrameSourceTest, ALoopedFolderStartsAgainUntilItsTotal) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cv::imwrite(Path(std::to_string(i) + ".png"),
                            cv::Mat(4, 4, CV_8UC1, 10 * i)));
  }
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenLoopingFrameSource(dir_.string(), /*total_frames=*/7);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->frame_count(), 7);
  std::vector<int> seen;
  while (true) {
    absl::StatusOr<std::optional<Image>> frame = (*source)->Next();
    ASSERT_TRUE(frame.ok()) << frame.status();
    if (!*frame) break;
    seen.push_back((*frame)->pixels[0]);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 10, 20, 0, 10, 20, 0}));
}

TEST_F(FrameSourceTest, MissingPathIsNotFound) {
  const std::string path = Path("missing.mp4");
  absl::StatusOr<std::unique_ptr<FrameSource>> source = OpenFrameSource(path);
  EXPECT_EQ(source.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(source.status().message(),
              HasSubstr("no such file or folder: " + path));
}

TEST_F(FrameSourceTest, GarbageFileIsNotAVideo) {
  const std::string path = Path("garbage.mp4");
  WriteGarbage(path);
  absl::StatusOr<std::unique_ptr<FrameSource>> source = OpenFrameSource(path);
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(),
              HasSubstr("cannot open video " + path));
}

TEST_F(FrameSourceTest, FolderWithoutImagesIsInvalid) {
  WriteGarbage(Path("readme.txt"));
  absl::StatusOr<std::unique_ptr<FrameSource>> source =
      OpenFrameSource(dir_.string());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr("no image"));
  EXPECT_THAT(source.status().message(), HasSubstr(dir_.string()));
}

TEST_F(FrameSourceTest, EmptySpecIsInvalid) {
  absl::StatusOr<std::unique_ptr<FrameSource>> source = OpenFrameSource("");
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(source.status().message(), HasSubstr("empty frame source"));
}

using FrameSinkTest = FrameIoTest;

TEST_F(FrameSinkTest, LabelsReadBackExactly) {
  const std::string folder = Path("out");
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = folder, .overlay = "none"});
  ASSERT_TRUE(sink.ok()) << sink.status();
  const LabelMap labels = Stripes(16, 8);
  ASSERT_TRUE((*sink)->Write(7, SolidImage(16, 8, {1, 2, 3}), labels).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ((*sink)->frames_written(), 1);

  const cv::Mat read =
      cv::imread(folder + "/labels/000007.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(read.empty());
  ASSERT_EQ(read.type(), CV_8UC1);
  ASSERT_EQ(read.cols, 16);
  ASSERT_EQ(read.rows, 8);
  ASSERT_TRUE(read.isContinuous());
  EXPECT_EQ(std::vector<uint8_t>(read.datastart, read.dataend), labels.pixels);
  // "none" writes no overlay of either kind.
  EXPECT_FALSE(fs::exists(folder + "/overlay.mp4"));
  EXPECT_FALSE(fs::exists(folder + "/overlay"));
}

TEST_F(FrameSinkTest, OverlayVideoHasOneFramePerWrite) {
  const std::string folder = Path("nested/out");  // parents are created
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = folder, .write_labels = false});
  ASSERT_TRUE(sink.ok()) << sink.status();
  for (uint64_t i = 0; i < 5; ++i) {
    absl::Status status =
        (*sink)->Write(i, SolidImage(32, 16, {90, 90, 90}), Stripes(32, 16));
    ASSERT_TRUE(status.ok()) << status;
  }
  ASSERT_TRUE((*sink)->Close().ok());
  ASSERT_TRUE((*sink)->Close().ok());  // idempotent
  EXPECT_EQ((*sink)->frames_written(), 5);
  EXPECT_FALSE(fs::exists(folder + "/labels"));

  absl::StatusOr<std::unique_ptr<FrameSource>> video =
      OpenFrameSource(folder + "/overlay.mp4");
  ASSERT_TRUE(video.ok()) << video.status();
  EXPECT_EQ(CountFrames(**video), 5);
}

TEST_F(FrameSinkTest, OverlayVideoRejectsAnotherSize) {
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = Path("out")});
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE(
      (*sink)->Write(0, SolidImage(32, 16, {0, 0, 0}), Stripes(32, 16)).ok());
  absl::Status status =
      (*sink)->Write(1, SolidImage(16, 16, {0, 0, 0}), Stripes(16, 16));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("16x16"));
  EXPECT_THAT(status.message(), HasSubstr("32x16"));
  // The refused frame left nothing behind.
  EXPECT_FALSE(fs::exists(Path("out/labels/000001.png")));
  EXPECT_EQ((*sink)->frames_written(), 1);
}

TEST_F(FrameSinkTest, PngOverlaysMatchOverlay) {
  const std::string folder = Path("out");
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = folder, .overlay = "png", .alpha = 0.25});
  ASSERT_TRUE(sink.ok()) << sink.status();
  const Image frame = SolidImage(12, 6, {200, 100, 50});
  const LabelMap labels = Stripes(12, 6);
  ASSERT_TRUE((*sink)->Write(3, frame, labels).ok());
  // An empty frame still gets its labels, but no overlay.
  ASSERT_TRUE((*sink)->Write(4, Image(), labels).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ((*sink)->frames_written(), 2);

  EXPECT_TRUE(fs::exists(folder + "/labels/000004.png"));
  EXPECT_FALSE(fs::exists(folder + "/overlay/000004.png"));
  const cv::Mat read =
      cv::imread(folder + "/overlay/000003.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(read.empty());
  ASSERT_EQ(read.type(), CV_8UC3);
  const Image expected = Overlay(frame, labels, CamVidPalette(), 0.25);
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 12; ++x) {
      const cv::Vec3b bgr = read.at<cv::Vec3b>(y, x);
      const uint8_t* rgb = expected.at(x, y);
      ASSERT_EQ(bgr[2], rgb[0]) << x << "," << y;
      ASSERT_EQ(bgr[1], rgb[1]) << x << "," << y;
      ASSERT_EQ(bgr[0], rgb[2]) << x << "," << y;
    }
  }
}

TEST_F(FrameSinkTest, FrameAndLabelsMustAgree) {
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = Path("out"), .overlay = "png"});
  ASSERT_TRUE(sink.ok()) << sink.status();
  absl::Status status =
      (*sink)->Write(0, SolidImage(8, 8, {0, 0, 0}), Stripes(4, 4));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("expected 4x4x3"));

  status = (*sink)->Write(0, Image(), Image::Create(4, 4, 3));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("1-channel"));
}

TEST_F(FrameSinkTest, WriteAfterCloseFails) {
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = Path("out")});
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Close().ok());
  absl::Status status = (*sink)->Write(0, Image(), Stripes(4, 4));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("closed"));
  // No frame ever came, so no video was started.
  EXPECT_FALSE(fs::exists(Path("out/overlay.mp4")));
}

TEST_F(FrameSinkTest, UnknownOverlayKindIsInvalid) {
  absl::StatusOr<std::unique_ptr<FrameSink>> sink =
      OpenFrameSink({.folder = Path("out"), .overlay = "gif"});
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sink.status().message(), HasSubstr("unknown overlay kind"));
  EXPECT_THAT(sink.status().message(), HasSubstr("gif"));
  EXPECT_FALSE(fs::exists(Path("out")));
}

TEST_F(FrameSinkTest, BadFoldersAreInvalid) {
  absl::StatusOr<std::unique_ptr<FrameSink>> sink = OpenFrameSink({});
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sink.status().message(), HasSubstr("folder"));

  // A folder cannot be created under a plain file.
  WriteGarbage(Path("file"));
  sink = OpenFrameSink({.folder = Path("file/out")});
  EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sink.status().message(),
              HasSubstr("cannot create folder " + Path("file/out")));
}

}  // namespace
}  // namespace tessera
