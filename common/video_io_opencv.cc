// video_io.h through OpenCV's videoio and imgcodecs (TESSERA_VIDEO_IO=ON).
#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/cv_view.h"
#include "common/video_io.h"
#include "opencv2/core.hpp"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"
#include "opencv2/videoio.hpp"

namespace tessera::video_io {
namespace {

// Converts an 8-bit gray, BGR or BGRA matrix to our RGB Image. cvtColor
// writes straight into the Image's buffer, so each frame is copied once.
absl::StatusOr<Image> MatToRgb(const cv::Mat& mat) {
  if (mat.empty()) return absl::InvalidArgumentError("empty frame");
  if (mat.depth() != CV_8U) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frame depth %d is not 8-bit", mat.depth()));
  }
  int code;
  switch (mat.channels()) {
    case 1:
      code = cv::COLOR_GRAY2RGB;
      break;
    case 3:
      code = cv::COLOR_BGR2RGB;
      break;
    case 4:
      code = cv::COLOR_BGRA2RGB;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrFormat("frame has %d channels", mat.channels()));
  }
  Image image = Image::Create(mat.cols, mat.rows, 3);
  cv::Mat out(mat.rows, mat.cols, CV_8UC3, image.pixels.data());
  cv::cvtColor(mat, out, code);
  // cvtColor would only reallocate on a size or type mismatch; guard anyway
  // so a silent reallocation cannot hand back a black frame.
  if (out.data != image.pixels.data()) {
    return absl::InternalError("colour conversion reallocated the frame");
  }
  return image;
}

// Anything cv::VideoCapture reads: files, URLs, cameras.
class CaptureSource : public FrameSource {
 public:
  CaptureSource(std::string description, cv::VideoCapture capture,
                int max_frames)
      : description_(std::move(description)),
        capture_(std::move(capture)),
        max_frames_(max_frames) {
    try {
      fps_ = std::max(0.0, capture_.get(cv::CAP_PROP_FPS));
      const double count = capture_.get(cv::CAP_PROP_FRAME_COUNT);
      // Streams and cameras report 0 or -1; only a positive count is known.
      if (count > 0) {
        frame_count_ = static_cast<int>(count);
        if (max_frames_ > 0) frame_count_ = std::min(frame_count_, max_frames_);
      }
    } catch (const std::exception&) {
      // Properties are only hints; keep the unknown defaults.
    }
  }

  absl::StatusOr<std::optional<Image>> Next() override {
    if (done_) return std::optional<Image>();
    if (max_frames_ > 0 && read_ >= max_frames_) return Finish();
    cv::Mat mat;
    try {
      if (!capture_.read(mat) || mat.empty()) return Finish();
    } catch (const std::exception& e) {  // cv::Exception included
      return absl::InvalidArgumentError(absl::StrFormat(
          "cannot read frame %d of %s: %s", read_, description_, e.what()));
    }
    ++read_;
    try {
      absl::StatusOr<Image> image = MatToRgb(mat);
      if (!image.ok()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("frame %d of %s: %s", read_ - 1, description_,
                            image.status().message()));
      }
      return std::optional<Image>(*std::move(image));
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "frame %d of %s: %s", read_ - 1, description_, e.what()));
    }
  }

  double fps() const override { return fps_; }
  int frame_count() const override { return frame_count_; }
  std::string description() const override { return description_; }

 private:
  // Releases the device or connection as soon as the stream ends.
  std::optional<Image> Finish() {
    done_ = true;
    try {
      capture_.release();
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  std::string description_;
  cv::VideoCapture capture_;
  int max_frames_;
  double fps_ = 0;
  int frame_count_ = -1;
  int read_ = 0;
  bool done_ = false;
};

absl::StatusOr<std::unique_ptr<FrameSource>> OpenCapture(
    const std::string& description, const std::string& error,
    const std::function<bool(cv::VideoCapture&)>& open, int max_frames) {
  try {
    cv::VideoCapture capture;
    if (!open(capture) || !capture.isOpened()) {
      return absl::InvalidArgumentError(error);
    }
    return std::unique_ptr<FrameSource>(std::make_unique<CaptureSource>(
        description, std::move(capture), max_frames));
  } catch (const std::exception& e) {  // cv::Exception included
    return absl::InvalidArgumentError(absl::StrCat(error, ": ", e.what()));
  }
}

class OpenCvVideoWriter : public VideoWriter {
 public:
  OpenCvVideoWriter(std::string path, cv::VideoWriter writer, Size size)
      : path_(std::move(path)), writer_(std::move(writer)), size_(size) {}

  absl::Status Write(const Image& rgb) override {
    if (rgb.size() != size_ || rgb.channels != 3) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "frame is %dx%dx%d but the video %s is %dx%dx3", rgb.width,
          rgb.height, rgb.channels, path_, size_.width, size_.height));
    }
    try {
      cv::Mat bgr;
      cv::cvtColor(MatView(rgb), bgr, cv::COLOR_RGB2BGR);
      writer_.write(bgr);
    } catch (const std::exception& e) {  // cv::Exception included
      return absl::InternalError(
          absl::StrCat("cannot write to ", path_, ": ", e.what()));
    }
    return absl::OkStatus();
  }

  absl::Status Close() override {
    try {
      // Releasing the writer finalises the MP4 (moov atom).
      writer_.release();
    } catch (const std::exception& e) {
      return absl::InternalError(
          absl::StrCat("cannot finish ", path_, ": ", e.what()));
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  cv::VideoWriter writer_;
  Size size_;
};

}  // namespace

bool VideoAvailable() { return true; }

absl::StatusOr<Image> ReadImageFile(const std::string& path) {
  try {
    cv::Mat mat = cv::imread(path, cv::IMREAD_COLOR);
    if (mat.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("cannot read image %s", path));
    }
    absl::StatusOr<Image> image = MatToRgb(mat);
    if (!image.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cannot read image %s: %s", path, image.status().message()));
    }
    return image;
  } catch (const std::exception& e) {  // cv::Exception included
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot read image %s: %s", path, e.what()));
  }
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenCamera(const std::string& spec,
                                                        int max_frames) {
  // "/dev/videoN" and "N" open by index, which every backend understands;
  // other device paths (udev symlinks) open by name.
  int index = -1;
  const bool is_device = absl::StartsWith(spec, "/dev/");
  constexpr absl::string_view kVideoPrefix = "/dev/video";
  const bool has_index =
      is_device
          ? absl::StartsWith(spec, kVideoPrefix) &&
                ParseCameraIndex(
                    absl::string_view(spec).substr(kVideoPrefix.size()), &index)
          : ParseCameraIndex(spec, &index);
  return OpenCapture(
      absl::StrCat("camera ", spec), absl::StrCat("cannot open camera ", spec),
      [&](cv::VideoCapture& capture) {
        // V4L2 first for device paths, then whatever backend OpenCV has.
        if (has_index) {
          return (is_device && capture.open(index, cv::CAP_V4L2)) ||
                 capture.open(index, cv::CAP_ANY);
        }
        return capture.open(spec, cv::CAP_V4L2) ||
               capture.open(spec, cv::CAP_ANY);
      },
      max_frames);
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenStreamUrl(
    const std::string& url, int max_frames) {
  return OpenCapture(
      absl::StrCat("stream ", url), absl::StrCat("cannot open stream ", url),
      [&](cv::VideoCapture& capture) { return capture.open(url, cv::CAP_ANY); },
      max_frames);
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenVideoFile(
    const std::string& path, int max_frames) {
  return OpenCapture(
      absl::StrCat("video ", path), absl::StrCat("cannot open video ", path),
      [&](cv::VideoCapture& capture) {
        return capture.open(path, cv::CAP_ANY);
      },
      max_frames);
}

absl::StatusOr<std::unique_ptr<VideoWriter>> OpenVideoWriter(
    const std::string& path, double fps, Size size) {
  try {
    cv::VideoWriter writer;
    if (!writer.open(path, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
                     cv::Size(size.width, size.height), /*isColor=*/true)) {
      return absl::InternalError(
          absl::StrCat("cannot open video writer for ", path));
    }
    return std::unique_ptr<VideoWriter>(
        std::make_unique<OpenCvVideoWriter>(path, std::move(writer), size));
  } catch (const std::exception& e) {  // cv::Exception included
    return absl::InternalError(
        absl::StrCat("cannot open video writer for ", path, ": ", e.what()));
  }
}

}  // namespace tessera::video_io
