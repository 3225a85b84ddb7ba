#include "tools/tool_paths.h"

#include <unistd.h>

#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/child_process.h"

namespace tessera {

namespace fs = std::filesystem;

absl::StatusOr<std::string> FindTesseraBinary(const std::string& name,
                                              const std::string& build_subdir,
                                              const std::string& bin_dir) {
  std::vector<fs::path> candidates;
  if (!bin_dir.empty()) {
    candidates.push_back(fs::path(bin_dir) / name);
  } else {
    const fs::path self = fs::read_symlink("/proc/self/exe").parent_path();
    candidates = {self / name, self.parent_path() / build_subdir / name};
  }
  for (const fs::path& path : candidates) {
    if (access(path.c_str(), X_OK) == 0) return path.string();
  }
  return absl::NotFoundError(absl::StrFormat(
      "cannot find %s (looked at %s); build it or pass --bin_dir", name,
      candidates.front().string()));
}

absl::StatusOr<GeneratedClip> GenerateClip(const std::string& synth_binary,
                                           const std::string& folder,
                                           int frames, Size size, int seed,
                                           const std::string& log_path) {
  ChildProcess generate(
      {synth_binary, "--out=" + folder, absl::StrCat("--frames=", frames),
       absl::StrCat("--width=", size.width),
       absl::StrCat("--height=", size.height), absl::StrCat("--seed=", seed)},
      log_path);
  if (generate.Wait(600000) != 0) {
    return absl::InternalError(
        absl::StrFormat("tessera-synth failed: %s", generate.log()));
  }
  return GeneratedClip{folder + "/frames", folder + "/labels"};
}

}  // namespace tessera
