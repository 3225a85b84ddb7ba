// tessera-synth: writes a synthetic labelled driving clip with exact optical
// flow, deterministic by seed (see tools/synth_scene.h for the scene).
//
//   tessera-synth --out=/tmp/clip --frames=100 --seed=7 --video
//
// Layout of --out (frame index N zero-padded to 6 digits, from 000000):
//   frames/N.png     the RGB frame (8-bit PNG, 3 channels)
//   labels/N.png     8-bit class ids, CamVid order: 0 Sky, 1 Building,
//                    2 Pole, 3 Road (lane marks included), 4 Pavement,
//                    5 Tree, 6 SignSymbol, 7 Fence, 8 Car, 9 Pedestrian,
//                    10 Bicyclist; never 11 (void)
//   flow/N.flo       backward optical flow in Middlebury .flo: float32 tag
//                    202021.25, int32 width, int32 height, then width*height
//                    (dx, dy) float32 pairs, row-major, little-endian.
//                    Pixel (x, y) of frame N shows what was at (x + dx,
//                    y + dy) in frame N-1 (pixel centres at integers).
//                    All zero for frame 0 and the first frame after a cut.
//   occlusion/N.png  255 where the pixel was not visible in frame N-1
//                    (hidden there, outside it, or no frame N-1 in this
//                    scene: frame 0 and cuts are all 255), else 0
//   clip.mp4         with --video: the frames as MPEG-4 (mp4v) at --fps
//
// Bad flags print one line on stderr and exit with 2; failures while
// writing exit with 1.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "tools/synth_output.h"
#include "tools/synth_scene.h"

ABSL_FLAG(std::string, out, "", "output folder (required)");
ABSL_FLAG(int, width, 640, "frame width in pixels, 64..8192");
ABSL_FLAG(int, height, 360, "frame height in pixels, 64..8192");
ABSL_FLAG(int, frames, 50, "number of frames, >= 1");
ABSL_FLAG(uint64_t, seed, 1, "scene seed; the same seed gives the same clip");
ABSL_FLAG(double, fps, 25, "frames per second (sets motion per frame)");
ABSL_FLAG(int, scene_cut_every, 0,
          "start a new scene every this many frames; 0 = never");
ABSL_FLAG(bool, video, false, "also write <out>/clip.mp4");

namespace {

constexpr char kName[] = "tessera-synth";

int Usage(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", kName, message.c_str());
  return 2;
}

// --help and friends, which absl handles without registering them.
bool IsUsageFlag(absl::string_view name) {
  for (const char* usage :
       {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch",
        "version", "only_check_args"}) {
    if (name == usage) return true;
  }
  return false;
}

// absl::ParseCommandLine exits with status 1 on an unknown flag or a value
// of the wrong type; our tools promise 2 for bad usage, so check the
// arguments first with the same parsers. Returns the message, or "".
std::string CheckArguments(int argc, char** argv) {
  for (int k = 1; k < argc; ++k) {
    absl::string_view arg = argv[k];
    if (arg.size() < 2 || arg[0] != '-') {
      return "unexpected argument '" + std::string(arg) + "'";
    }
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    const absl::string_view name = arg.substr(0, arg.find('='));
    const bool has_value = name.size() != arg.size();
    if (IsUsageFlag(name)) continue;  // ParseCommandLine prints and exits
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") && !has_value) {
      absl::CommandLineFlag* positive =
          absl::FindCommandLineFlag(name.substr(2));
      if (positive != nullptr && positive->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) return "unknown flag --" + std::string(name);
    std::string value;
    if (has_value) {
      value = std::string(arg.substr(name.size() + 1));
    } else if (flag->IsOfType<bool>()) {
      value = "true";
    } else if (k + 1 < argc) {
      value = argv[++k];
    } else {
      return "--" + std::string(name) + " needs a value";
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) return error;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-synth --out=DIR [--width=640 --height=360 --frames=50 "
      "--seed=1 --fps=25 --scene_cut_every=0 --video]");
  // --help lists the flags of the file named like the program by default,
  // which the binary's name does not match.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "synth_main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  if (const std::string error = CheckArguments(argc, argv); !error.empty()) {
    return Usage(error);
  }
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return Usage("--out is required");

  tessera::tools::SynthOptions options;
  options.width = absl::GetFlag(FLAGS_width);
  options.height = absl::GetFlag(FLAGS_height);
  options.frames = absl::GetFlag(FLAGS_frames);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.fps = absl::GetFlag(FLAGS_fps);
  options.scene_cut_every = absl::GetFlag(FLAGS_scene_cut_every);
  auto scene = tessera::tools::SynthScene::Create(options);
  if (!scene.ok()) return Usage(std::string(scene.status().message()));

  auto writer = tessera::tools::SynthWriter::Open(out, options.fps,
                                                  absl::GetFlag(FLAGS_video));
  if (!writer.ok()) {
    std::fprintf(stderr, "%s: %s\n", kName,
                 std::string(writer.status().message()).c_str());
    return 1;
  }
  double generate_s = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < options.frames; ++n) {
    const auto before = std::chrono::steady_clock::now();
    absl::StatusOr<tessera::tools::SynthFrame> frame = (*scene)->Next();
    generate_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - before)
            .count();
    absl::Status status =
        frame.ok() ? (*writer)->Write(*frame) : frame.status();
    if (!status.ok()) {
      std::fprintf(stderr, "%s: %s\n", kName,
                   std::string(status.message()).c_str());
      return 1;
    }
  }
  if (absl::Status closed = (*writer)->Close(); !closed.ok()) {
    std::fprintf(stderr, "%s: %s\n", kName,
                 std::string(closed.message()).c_str());
    return 1;
  }
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf(
      "wrote %d frames of %dx%d to %s in %.1f s (generation %.0f fps)\n",
      options.frames, options.width, options.height, out.c_str(), total_s,
      generate_s > 0 ? options.frames / generate_s : 0.0);
  return 0;
}
