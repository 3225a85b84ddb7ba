#include "common/frame_sink.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "common/folders.h"
#include "common/image_codec.h"
#include "common/status_macros.h"
#include "common/video_io.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

enum class OverlayKind { kNone, kVideo, kPng };

// Width, height and channels agree with the buffer, so a Mat view over it
// cannot read past its end.
bool IsWellFormed(const Image& image) {
  return image.width > 0 && image.height > 0 && image.channels > 0 &&
         image.pixels.size() ==
             static_cast<size_t>(image.width) * image.height * image.channels;
}

class FolderSink : public FrameSink {
 public:
  FolderSink(const FrameSinkOptions& options, OverlayKind overlay)
      : options_(options),
        overlay_(overlay),
        palette_(options.palette != nullptr ? *options.palette
                                            : CamVidPalette()) {}

  ~FolderSink() override { Close().IgnoreError(); }

  absl::Status Write(uint64_t index, const Image& frame,
                     const LabelMap& labels) override {
    if (closed_) return absl::FailedPreconditionError("frame sink is closed");
    // Every check comes before any file is written, so a refused frame
    // leaves no partial output behind.
    if (!IsWellFormed(labels) || labels.channels != 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "labels must be a non-empty 1-channel image, got %dx%dx%d",
          labels.width, labels.height, labels.channels));
    }
    const bool with_overlay = overlay_ != OverlayKind::kNone && !frame.empty();
    if (with_overlay) {
      if (!IsWellFormed(frame) || frame.channels != 3 ||
          frame.size() != labels.size()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "frame is %dx%dx%d, expected %dx%dx3 like the labels", frame.width,
            frame.height, frame.channels, labels.width, labels.height));
      }
      if (overlay_ == OverlayKind::kVideo && writer_ != nullptr &&
          frame.size() != video_size_) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "frame %d is %dx%d but the overlay video is %dx%d", index,
            frame.width, frame.height, video_size_.width, video_size_.height));
      }
    }
    const std::string name = absl::StrFormat("%06d.png", index);
    if (options_.write_labels) {
      RETURN_IF_ERROR(WritePng(labels, (folder() / "labels" / name).string()));
    }
    if (with_overlay) {
      const Image overlay = Overlay(frame, labels, palette_, options_.alpha);
      if (overlay.size() != frame.size() || overlay.channels != 3) {
        return absl::InternalError(
            absl::StrFormat("no overlay for frame %d", index));
      }
      if (overlay_ == OverlayKind::kPng) {
        RETURN_IF_ERROR(
            WritePng(overlay, (folder() / "overlay" / name).string()));
      } else {
        RETURN_IF_ERROR(OpenWriter(frame.size()));
        RETURN_IF_ERROR(writer_->Write(overlay));
      }
    }
    ++frames_written_;
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (closed_) return absl::OkStatus();
    closed_ = true;
    return writer_ != nullptr ? writer_->Close() : absl::OkStatus();
  }

  int frames_written() const override { return frames_written_; }

 private:
  fs::path folder() const { return fs::path(options_.folder); }
  std::string VideoPath() const { return (folder() / "overlay.mp4").string(); }

  // Opened at the first frame because the video's size is only known then.
  absl::Status OpenWriter(Size size) {
    if (writer_ != nullptr) return absl::OkStatus();
    ASSIGN_OR_RETURN(
        writer_, video_io::OpenVideoWriter(VideoPath(), options_.fps, size));
    video_size_ = size;
    return absl::OkStatus();
  }

  static absl::Status WritePng(const Image& image, const std::string& path) {
    ASSIGN_OR_RETURN(std::string png, EncodeImage(image, Encoding::kPng));
    return WriteFileBytes(path, png);
  }

  const FrameSinkOptions options_;
  const OverlayKind overlay_;
  const Palette& palette_;
  std::unique_ptr<video_io::VideoWriter> writer_;
  Size video_size_;
  int frames_written_ = 0;
  bool closed_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FrameSink>> OpenFrameSink(
    const FrameSinkOptions& options) {
  OverlayKind overlay;
  if (options.overlay == "video") {
    overlay = OverlayKind::kVideo;
  } else if (options.overlay == "png") {
    overlay = OverlayKind::kPng;
  } else if (options.overlay == "none") {
    overlay = OverlayKind::kNone;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown overlay kind \"%s\" (expected video, png or none)",
        options.overlay));
  }
  if (options.folder.empty()) {
    return absl::InvalidArgumentError("frame sink needs an output folder");
  }
  if (overlay == OverlayKind::kVideo && !(options.fps > 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "overlay video fps must be positive, got %g", options.fps));
  }
  if (!(options.alpha >= 0 && options.alpha <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "overlay alpha must be in [0, 1], got %g", options.alpha));
  }
  const fs::path folder(options.folder);
  if (absl::Status status = CreateFolder(folder); !status.ok()) return status;
  if (options.write_labels) {
    if (absl::Status status = CreateFolder(folder / "labels"); !status.ok()) {
      return status;
    }
  }
  if (overlay == OverlayKind::kPng) {
    if (absl::Status status = CreateFolder(folder / "overlay"); !status.ok()) {
      return status;
    }
  }
  return std::unique_ptr<FrameSink>(
      std::make_unique<FolderSink>(options, overlay));
}

}  // namespace tessera
