// Writing a generated clip to a folder (layout in tools/synth_main.cc) and
// reading and writing Middlebury .flo optical flow files.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SynthWriter> writer,
//                    SynthWriter::Open("clip", /*fps=*/25, /*video=*/true));
//   RETURN_IF_ERROR(writer->Write(frame));  // each frame
//   RETURN_IF_ERROR(writer->Close());
#ifndef TESSERA_TOOLS_SYNTH_OUTPUT_H_
#define TESSERA_TOOLS_SYNTH_OUTPUT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/video_io.h"
#include "tools/synth_scene.h"

namespace tessera::tools {

// Middlebury .flo: "PIEH" (float 202021.25), int32 width, int32 height,
// then width * height (dx, dy) float32 pairs, row-major, little-endian.
absl::Status WriteFlo(const std::string& path, int width, int height,
                      const std::vector<float>& flow);

struct FloFile {
  int width = 0;
  int height = 0;
  std::vector<float> flow;  // 2 * width * height
};
// INVALID_ARGUMENT naming the path when the tag, sizes or length are wrong.
absl::StatusOr<FloFile> ReadFlo(const std::string& path);

class SynthWriter {
 public:
  // Creates <folder>/{frames,labels,flow,occlusion}; with `video`, frames
  // also go to <folder>/clip.mp4 (MPEG-4 part 2, "mp4v"), which a build
  // without video output (TESSERA_VIDEO_IO=OFF) refuses here.
  static absl::StatusOr<std::unique_ptr<SynthWriter>> Open(
      const std::string& folder, double fps, bool video);
  ~SynthWriter();

  absl::Status Write(const SynthFrame& frame);
  // Finishes the video; the MP4 is unplayable without this.
  absl::Status Close();

 private:
  SynthWriter(std::string folder, double fps, bool video);

  std::string folder_;
  double fps_;
  bool video_;
  std::unique_ptr<video_io::VideoWriter> video_writer_;  // opened by Write
};

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_SYNTH_OUTPUT_H_
