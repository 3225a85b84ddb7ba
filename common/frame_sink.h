// Where results go: label PNGs (class ids, for evaluation) and colourised
// overlays (an MP4 video or a folder of PNGs, for people) under one folder.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<FrameSink> sink,
//                    OpenFrameSink({.folder = "out", .overlay = "video"}));
//   RETURN_IF_ERROR(sink->Write(index, frame, mask));
//   RETURN_IF_ERROR(sink->Close());
//
// Layout: <folder>/labels/<index:06>.png, <folder>/overlay.mp4 or
// <folder>/overlay/<index:06>.png.
#ifndef TESSERA_COMMON_FRAME_SINK_H_
#define TESSERA_COMMON_FRAME_SINK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/image.h"
#include "common/palette.h"

namespace tessera {

struct FrameSinkOptions {
  std::string folder;
  bool write_labels = true;
  std::string overlay = "video";  // "video", "png" or "none"
  double fps = 25;                // for the overlay video
  double alpha = 0.5;
  const Palette* palette = nullptr;  // nullptr: CamVid
};

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // `frame` may be empty (no overlay is then written for it).
  virtual absl::Status Write(uint64_t index, const Image& frame,
                             const LabelMap& labels) = 0;
  virtual absl::Status Close() = 0;
  virtual int frames_written() const = 0;
};

// Creates the folder (and parents). INVALID_ARGUMENT for an unknown overlay
// kind, an empty folder name, or a folder that cannot be created.
absl::StatusOr<std::unique_ptr<FrameSink>> OpenFrameSink(
    const FrameSinkOptions& options);

}  // namespace tessera

#endif  // TESSERA_COMMON_FRAME_SINK_H_
