// Runs a frame source the master opened itself (--source) through the core,
// as if it were a client stream, writing masks and overlays to a folder.
//
//   ASSIGN_OR_RETURN(SourceRunSummary summary,
//                    RunSource(core, {.source = "clip.mp4",
//                                     .sink = {.folder = "out"}}));
#ifndef TESSERA_MASTER_SOURCE_RUNNER_H_
#define TESSERA_MASTER_SOURCE_RUNNER_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/frame_sink.h"
#include "master/master_core.h"

namespace tessera::master {

struct SourceRunOptions {
  std::string source;  // anything OpenFrameSource accepts
  int max_frames = 0;  // 0: until the source ends
  FrameSinkOptions sink;
  StreamSettings stream;
};

struct SourceRunSummary {
  int frames_read = 0;
  int frames_unreadable = 0;  // skipped, e.g. a corrupt image in a folder
  int masks = 0;
  int dropped = 0;
  int errors = 0;
  double seconds = 0;
  double mean_latency_ms = 0;
  std::string ToString() const;
};

// Whether this build can open frame sources: false for a master built with
// -DTESSERA_MASTER_FRAME_SOURCES=OFF (the slim container image, without
// OpenCV's video and codec libraries), whose RunSource says so.
bool FrameSourcesAvailable();

// Blocks until the source is exhausted and every accepted frame is written.
// UNIMPLEMENTED when !FrameSourcesAvailable().
absl::StatusOr<SourceRunSummary> RunSource(MasterCore& core,
                                           const SourceRunOptions& options);

}  // namespace tessera::master

#endif  // TESSERA_MASTER_SOURCE_RUNNER_H_
