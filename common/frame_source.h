// Where frames come from: a video file, a folder of images, an RTSP/HTTP URL
// or a V4L2 camera, behind one interface. OpenCV stays inside the .cc.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<FrameSource> source,
//                    OpenFrameSource("clip.mp4"));
//   while (true) {
//     ASSIGN_OR_RETURN(std::optional<Image> frame, source->Next());
//     if (!frame) break;  // end of stream
//   }
#ifndef TESSERA_COMMON_FRAME_SOURCE_H_
#define TESSERA_COMMON_FRAME_SOURCE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera {

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next RGB frame, std::nullopt at the end, or an error for a frame that
  // could not be read (an unreadable image in a folder is an error naming the
  // file; the caller may call Next() again to skip it).
  virtual absl::StatusOr<std::optional<Image>> Next() = 0;
  // Frames per second the source reports (0 when unknown, e.g. folders).
  virtual double fps() const = 0;
  // Frame count when known in advance, else -1.
  virtual int frame_count() const = 0;
  // What was opened, for logs.
  virtual std::string description() const = 0;
};

// `spec` is a directory (images sorted by name: png, jpg, jpeg, bmp), a
// device path /dev/videoN or a bare camera index "N", a URL (rtsp://,
// http://, https://), or a video file. NOT_FOUND when a path does not exist,
// INVALID_ARGUMENT when it cannot be opened or a folder holds no image.
// `max_frames` > 0 stops after that many frames.
absl::StatusOr<std::unique_ptr<FrameSource>> OpenFrameSource(
    std::string_view spec, int max_frames = 0);

// The same source played again from its start each time it ends, until
// `total_frames` frames (0: for ever): a short clip becomes a long soak run.
// A source that yields no frame at all ends instead of spinning.
absl::StatusOr<std::unique_ptr<FrameSource>> OpenLoopingFrameSource(
    std::string_view spec, int total_frames = 0);

// Reads and drops the next `count` frames (a clip's part that is not
// wanted, e.g. the frames a model was trained on). Returns how many it
// dropped: fewer than `count` when the source ended first.
absl::StatusOr<int> SkipFrames(FrameSource& source, int count);

}  // namespace tessera

#endif  // TESSERA_COMMON_FRAME_SOURCE_H_
