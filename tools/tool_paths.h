// What tessera-bench and tessera-faults share to set up a run: finding the
// other Tessera programs, and generating a labelled clip with tessera-synth.
#ifndef TESSERA_TOOLS_TOOL_PATHS_H_
#define TESSERA_TOOLS_TOOL_PATHS_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera {

// `name` in `bin_dir` when it is set, else beside this program or in the
// build tree's `build_subdir` next to it. NOT_FOUND naming where it looked.
absl::StatusOr<std::string> FindTesseraBinary(const std::string& name,
                                              const std::string& build_subdir,
                                              const std::string& bin_dir);

struct GeneratedClip {
  std::string frames;  // folder of frame PNGs
  std::string labels;  // folder of label PNGs, the ground truth
};

// Runs tessera-synth into `folder` (its log: `log_path`); INTERNAL with the
// log when it fails.
absl::StatusOr<GeneratedClip> GenerateClip(const std::string& synth_binary,
                                           const std::string& folder,
                                           int frames, Size size, int seed,
                                           const std::string& log_path);

}  // namespace tessera

#endif  // TESSERA_TOOLS_TOOL_PATHS_H_
