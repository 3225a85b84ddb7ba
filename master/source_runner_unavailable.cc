// RunSource for a master built without frame sources
// (-DTESSERA_MASTER_FRAME_SOURCES=OFF): such a master serves client streams
// only, and says so when asked to read a source itself.
#include "master/source_runner.h"

namespace tessera::master {

bool FrameSourcesAvailable() { return false; }

std::string SourceRunSummary::ToString() const { return "no source read"; }

absl::StatusOr<SourceRunSummary> RunSource(MasterCore& core,
                                           const SourceRunOptions& options) {
  return absl::UnimplementedError(
      "this tessera-master was built without frame sources "
      "(-DTESSERA_MASTER_FRAME_SOURCES=OFF); stream frames to it with "
      "tessera-stream instead");
}

}  // namespace tessera::master
