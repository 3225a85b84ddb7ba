// OpenCV's video and image-file input/output, behind a few functions so that
// frame sources and sinks build with or without it. With it (the default,
// TESSERA_VIDEO_IO=ON) come video files, cameras, stream URLs and overlay
// videos, and with them FFmpeg and GDAL. Without it (a GPU host that has
// neither) image folders are read through Tessera's own PNG and JPEG
// codecs, and videos, cameras and URLs are refused with one clear message.
// Used by frame_source.cc, frame_sink.cc and the clip generator's writer.
#ifndef TESSERA_COMMON_VIDEO_IO_H_
#define TESSERA_COMMON_VIDEO_IO_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/frame_source.h"
#include "common/image.h"

namespace tessera::video_io {

// Whether this build reads and writes videos, cameras and stream URLs.
bool VideoAvailable();

// One image file as RGB. INVALID_ARGUMENT naming the file when it cannot be
// read or decoded.
absl::StatusOr<Image> ReadImageFile(const std::string& path);

// A non-empty run of digits, as in camera index "0" or the tail of
// "/dev/video2".
bool ParseCameraIndex(absl::string_view text, int* index);

// Sources read through cv::VideoCapture: a camera ("N", "/dev/videoN" or
// another device path), a stream URL, a video file. FAILED_PRECONDITION in a
// build without video input.
absl::StatusOr<std::unique_ptr<FrameSource>> OpenCamera(const std::string& spec,
                                                        int max_frames);
absl::StatusOr<std::unique_ptr<FrameSource>> OpenStreamUrl(
    const std::string& url, int max_frames);
absl::StatusOr<std::unique_ptr<FrameSource>> OpenVideoFile(
    const std::string& path, int max_frames);

// An MP4 file written frame by frame (RGB frames of one size).
class VideoWriter {
 public:
  virtual ~VideoWriter() = default;
  virtual absl::Status Write(const Image& rgb) = 0;
  // Finishes the file; without it an MP4 is unplayable.
  virtual absl::Status Close() = 0;
};

// FAILED_PRECONDITION in a build without video output.
absl::StatusOr<std::unique_ptr<VideoWriter>> OpenVideoWriter(
    const std::string& path, double fps, Size size);

}  // namespace tessera::video_io

#endif  // TESSERA_COMMON_VIDEO_IO_H_
