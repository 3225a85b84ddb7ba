// video_io.h without OpenCV's videoio and imgcodecs (TESSERA_VIDEO_IO=OFF):
// image files through Tessera's own PNG and JPEG codecs; videos, cameras and
// stream URLs refused.
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "common/image_codec.h"
#include "common/video_io.h"

namespace tessera::video_io {
namespace {

absl::Status NoVideo(const std::string& what) {
  return absl::FailedPreconditionError(absl::StrFormat(
      "cannot open %s: this build has no video input or output (built with "
      "TESSERA_VIDEO_IO=OFF); give a folder of PNG or JPEG images instead",
      what));
}

}  // namespace

bool VideoAvailable() { return false; }

absl::StatusOr<Image> ReadImageFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot read image %s", path));
  }
  // PNG and JPEG are told apart by their signatures, not by the file name.
  const bool is_png = bytes->size() >= 4 && bytes->compare(1, 3, "PNG") == 0;
  absl::StatusOr<Image> image =
      DecodeImage(*bytes, is_png ? Encoding::kPng : Encoding::kJpeg, {});
  if (!image.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot read image %s: %s", path, image.status().message()));
  }
  if (image->channels == 3) return image;
  // Gray: each value becomes an RGB triple, as OpenCV's reader does.
  Image rgb = Image::Create(image->width, image->height, 3);
  for (size_t i = 0; i < image->pixels.size(); ++i) {
    rgb.pixels[3 * i] = rgb.pixels[3 * i + 1] = rgb.pixels[3 * i + 2] =
        image->pixels[i];
  }
  return rgb;
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenCamera(const std::string& spec,
                                                        int max_frames) {
  return NoVideo("camera " + spec);
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenStreamUrl(
    const std::string& url, int max_frames) {
  return NoVideo("stream " + url);
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenVideoFile(
    const std::string& path, int max_frames) {
  return NoVideo("video " + path);
}

absl::StatusOr<std::unique_ptr<VideoWriter>> OpenVideoWriter(
    const std::string& path, double fps, Size size) {
  return NoVideo("overlay video " + path);
}

}  // namespace tessera::video_io
