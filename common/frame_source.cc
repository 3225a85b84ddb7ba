#include "common/frame_source.h"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "opencv2/core.hpp"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"
#include "opencv2/videoio.hpp"

namespace tessera {
namespace {

namespace fs = std::filesystem;

bool IsImageFile(const fs::path& path) {
  const std::string extension =
      absl::AsciiStrToLower(path.extension().string());
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" ||
         extension == ".bmp";
}

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

// Images of one folder, in byte order of their names. A file that cannot be
// decoded is reported once and skipped on the next call.
class ImageFolderSource : public FrameSource {
 public:
  ImageFolderSource(std::string folder, std::vector<fs::path> files,
                    int max_frames)
      : folder_(std::move(folder)), files_(std::move(files)) {
    // max_frames counts files consumed, unreadable ones included, so that
    // frame_count() is exactly the number of Next() calls before the end.
    if (max_frames > 0 && static_cast<size_t>(max_frames) < files_.size()) {
      files_.resize(max_frames);
    }
  }

  absl::StatusOr<std::optional<Image>> Next() override {
    if (next_ >= files_.size()) return std::optional<Image>();
    const std::string path = files_[next_++].string();
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
      return std::optional<Image>(*std::move(image));
    } catch (const std::exception& e) {  // cv::Exception included
      return absl::InvalidArgumentError(
          absl::StrFormat("cannot read image %s: %s", path, e.what()));
    }
  }

  double fps() const override { return 0; }
  int frame_count() const override { return static_cast<int>(files_.size()); }
  std::string description() const override {
    return absl::StrFormat("folder %s (%d images)", folder_, files_.size());
  }

 private:
  std::string folder_;
  std::vector<fs::path> files_;
  size_t next_ = 0;
};

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

bool IsUrl(absl::string_view spec) {
  return absl::StartsWithIgnoreCase(spec, "rtsp://") ||
         absl::StartsWithIgnoreCase(spec, "http://") ||
         absl::StartsWithIgnoreCase(spec, "https://");
}

// A non-empty run of digits, as in "0" or the tail of "/dev/video2".
bool ParseIndex(absl::string_view text, int* index) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return false;
  }
  return absl::SimpleAtoi(text, index);
}

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
                ParseIndex(absl::string_view(spec).substr(kVideoPrefix.size()),
                           &index)
          : ParseIndex(spec, &index);
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

absl::StatusOr<std::unique_ptr<FrameSource>> OpenFolder(
    const std::string& folder, int max_frames) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code type_error;
    if (it->is_regular_file(type_error) && IsImageFile(it->path())) {
      files.push_back(it->path());
    }
  }
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot list folder %s: %s", folder, error.message()));
  }
  if (files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("no image (png, jpg, jpeg, bmp) in folder %s", folder));
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) {
              return a.filename().string() < b.filename().string();
            });
  return std::unique_ptr<FrameSource>(std::make_unique<ImageFolderSource>(
      folder, std::move(files), max_frames));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FrameSource>> OpenFrameSource(
    std::string_view spec_view, int max_frames) {
  const std::string spec(spec_view);
  if (spec.empty()) return absl::InvalidArgumentError("empty frame source");
  int index;
  if (ParseIndex(spec, &index)) return OpenCamera(spec, max_frames);
  if (IsUrl(spec)) {
    return OpenCapture(
        absl::StrCat("stream ", spec),
        absl::StrCat("cannot open stream ", spec),
        [&](cv::VideoCapture& capture) {
          return capture.open(spec, cv::CAP_ANY);
        },
        max_frames);
  }

  std::error_code error;
  const fs::file_status status = fs::status(spec, error);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat("no such file or folder: ", spec));
  }
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot open %s: %s", spec, error.message()));
  }
  if (status.type() == fs::file_type::directory) {
    return OpenFolder(spec, max_frames);
  }
  if (status.type() == fs::file_type::character) {
    return OpenCamera(spec, max_frames);
  }
  return OpenCapture(
      absl::StrCat("video ", spec), absl::StrCat("cannot open video ", spec),
      [&](cv::VideoCapture& capture) {
        return capture.open(spec, cv::CAP_ANY);
      },
      max_frames);
}

namespace {

class LoopingSource : public FrameSource {
 public:
  LoopingSource(std::string spec, int total_frames,
                std::unique_ptr<FrameSource> first)
      : spec_(std::move(spec)),
        total_(total_frames),
        source_(std::move(first)) {}

  absl::StatusOr<std::optional<Image>> Next() override {
    if (total_ > 0 && served_ >= total_) return std::nullopt;
    absl::StatusOr<std::optional<Image>> frame = source_->Next();
    if (frame.ok() && !frame->has_value() && served_since_open_ > 0) {
      absl::StatusOr<std::unique_ptr<FrameSource>> reopened =
          OpenFrameSource(spec_);
      if (!reopened.ok()) return reopened.status();
      source_ = *std::move(reopened);
      served_since_open_ = 0;
      frame = source_->Next();
    }
    if (frame.ok() && frame->has_value()) {
      ++served_;
      ++served_since_open_;
    }
    return frame;
  }
  double fps() const override { return source_->fps(); }
  int frame_count() const override { return total_ > 0 ? total_ : -1; }
  std::string description() const override {
    return source_->description() + ", looped";
  }

 private:
  const std::string spec_;
  const int total_;
  std::unique_ptr<FrameSource> source_;
  int served_ = 0;
  int served_since_open_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FrameSource>> OpenLoopingFrameSource(
    std::string_view spec, int total_frames) {
  absl::StatusOr<std::unique_ptr<FrameSource>> first = OpenFrameSource(spec);
  if (!first.ok()) return first.status();
  return std::unique_ptr<FrameSource>(std::make_unique<LoopingSource>(
      std::string(spec), total_frames, *std::move(first)));
}

absl::StatusOr<int> SkipFrames(FrameSource& source, int count) {
  for (int skipped = 0; skipped < count; ++skipped) {
    absl::StatusOr<std::optional<Image>> frame = source.Next();
    if (!frame.ok()) return frame.status();
    if (!*frame) return skipped;
  }
  return count;
}

}  // namespace tessera
