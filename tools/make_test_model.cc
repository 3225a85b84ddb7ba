// tessera-make-model: writes small TorchScript segmentation models (and their
// model cards) without Python, for tests and the demo until trained models
// ship. See tools/test_models.h for the kinds.
//
//   tessera-make-model --kind=random --out=/tmp/net.pt --classes=11 --seed=3
//   tessera-make-model --kind=palette --out=models/palette.pt
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/test_models.h"

ABSL_FLAG(std::string, kind, "random", "random | palette");
ABSL_FLAG(std::string, out, "",
          "output model path (.pt); the card goes beside it as .card.json");
ABSL_FLAG(int, classes, 11, "classes of the random model");
ABSL_FLAG(int, width, 16, "channels of the random model's hidden layers");
ABSL_FLAG(int, stride, 1, "output stride of the random model (1 or 2)");
ABSL_FLAG(int, seed, 1, "weight seed of the random model");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-make-model --kind=random|palette --out=model.pt");
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  const std::string kind = absl::GetFlag(FLAGS_kind);
  if (out.empty()) {
    std::fprintf(stderr, "tessera-make-model: --out is required\n");
    return 2;
  }
  absl::Status written;
  if (kind == "random") {
    written = tessera::tools::WriteRandomModel(
        out, {.classes = absl::GetFlag(FLAGS_classes),
              .width = absl::GetFlag(FLAGS_width),
              .stride = absl::GetFlag(FLAGS_stride),
              .seed = absl::GetFlag(FLAGS_seed)});
  } else if (kind == "palette") {
    written = tessera::tools::WritePaletteModel(out);
  } else {
    std::fprintf(stderr, "tessera-make-model: unknown --kind=%s\n",
                 kind.c_str());
    return 2;
  }
  if (!written.ok()) {
    std::fprintf(stderr, "tessera-make-model: %s\n",
                 std::string(written.message()).c_str());
    return written.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::printf("wrote %s and its model card\n", out.c_str());
  return 0;
}
