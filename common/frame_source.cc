#include "common/frame_source.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
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
#include "common/video_io.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

bool IsImageFile(const fs::path& path) {
  const std::string extension =
      absl::AsciiStrToLower(path.extension().string());
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" ||
         extension == ".bmp";
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
    absl::StatusOr<Image> image = video_io::ReadImageFile(path);
    if (!image.ok()) return image.status();
    return std::optional<Image>(*std::move(image));
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

bool IsUrl(absl::string_view spec) {
  return absl::StartsWithIgnoreCase(spec, "rtsp://") ||
         absl::StartsWithIgnoreCase(spec, "http://") ||
         absl::StartsWithIgnoreCase(spec, "https://");
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

bool video_io::ParseCameraIndex(absl::string_view text, int* index) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return false;
  }
  return absl::SimpleAtoi(text, index);
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenFrameSource(
    std::string_view spec_view, int max_frames) {
  const std::string spec(spec_view);
  if (spec.empty()) return absl::InvalidArgumentError("empty frame source");
  int index;
  if (video_io::ParseCameraIndex(spec, &index)) {
    return video_io::OpenCamera(spec, max_frames);
  }
  if (IsUrl(spec)) return video_io::OpenStreamUrl(spec, max_frames);

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
    return video_io::OpenCamera(spec, max_frames);
  }
  return video_io::OpenVideoFile(spec, max_frames);
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
