#include "tools/test_models.h"

#include <torch/script.h>

#include <cmath>
#include <fstream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/palette.h"

namespace tessera::tools {
namespace {

torch::Tensor RandomWeight(int out, int in, int k) {
  // Scaled so that activations keep their spread and the argmax varies.
  return torch::randn({out, in, k, k}) * (2.0 / std::sqrt(in * k * k));
}

torch::jit::Module RandomModel(int classes, int width, int stride) {
  torch::jit::Module module("TesseraRandomNet");
  module.register_parameter("w1", RandomWeight(width, 3, 3), false);
  module.register_parameter("b1", torch::zeros({width}), false);
  module.register_parameter("w2", RandomWeight(width, width, 3), false);
  module.register_parameter("b2", torch::zeros({width}), false);
  module.register_parameter("w3", RandomWeight(classes, width, 3), false);
  module.register_parameter("b3", torch::zeros({classes}), false);
  module.define(absl::StrFormat(R"JIT(
def forward(self, x):
    x = torch.relu(torch.conv2d(x, self.w1, self.b1, [1, 1], [1, 1]))
    x = torch.relu(torch.conv2d(x, self.w2, self.b2, [%d, %d], [1, 1]))
    return torch.conv2d(x, self.w3, self.b3, [1, 1], [1, 1])
)JIT",
                                stride, stride));
  return module;
}

torch::jit::Module PaletteModel() {
  const Palette& palette = CamVidPalette();
  const int classes = static_cast<int>(palette.colors.size());
  torch::Tensor weight = torch::zeros({classes, 3, 1, 1});
  torch::Tensor bias = torch::zeros({classes});
  for (int k = 0; k < classes; ++k) {
    double norm = 0;
    for (int c = 0; c < 3; ++c) {
      const double value = palette.colors[k][c] / 255.0;
      weight[k][c][0][0] = 2 * value;
      norm += value * value;
    }
    bias[k] = -norm;  // -|x - c|^2 = 2x.c - |c|^2 - |x|^2 (same for all k)
  }
  torch::jit::Module module("TesseraPaletteNet");
  module.register_parameter("weight", weight, false);
  module.register_parameter("bias", bias, false);
  module.define(R"JIT(
def forward(self, x):
    return torch.conv2d(x, self.weight, self.bias) * 20.0
)JIT");
  return module;
}

std::string CardJson(const std::string& name, const std::string& description,
                     int classes, int stride,
                     const std::vector<std::string>& class_names) {
  std::vector<std::string> quoted;
  for (const std::string& n : class_names) quoted.push_back("\"" + n + "\"");
  return absl::StrFormat(R"({
  "name": "%s",
  "description": "%s",
  "num_classes": %d,
  "class_names": [%s],
  "input_scale": 0.00392156862745098,
  "mean": [0.0, 0.0, 0.0],
  "std": [1.0, 1.0, 1.0],
  "output_stride": %d,
  "size_divisor": %d,
  "palette": "camvid"
}
)",
                         name, description, classes,
                         absl::StrJoin(quoted, ", "), stride, stride);
}

absl::Status SaveWithCard(torch::jit::Module& module, const std::string& path,
                          const std::string& card) {
  try {
    module.save(path);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrFormat("cannot save %s: %s", path, e.what()));
  }
  const std::string card_path = path.substr(0, path.rfind('.')) + ".card.json";
  std::ofstream file(card_path);
  file << card;
  if (!file) {
    return absl::InternalError(absl::StrFormat("cannot write %s", card_path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteRandomModel(const std::string& path,
                              const RandomModelOptions& options) {
  if (options.classes < 1 || options.classes > 255 ||
      (options.stride != 1 && options.stride != 2) || options.width < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "random model needs classes 1..255 (got %d), stride 1 or 2 (got %d), "
        "width >= 1 (got %d)",
        options.classes, options.stride, options.width));
  }
  torch::manual_seed(options.seed);
  torch::jit::Module module =
      RandomModel(options.classes, options.width, options.stride);
  return SaveWithCard(
      module, path,
      CardJson("random-fcn",
               "seeded random 3-layer FCN, receptive field 7x7; for tests",
               options.classes, options.stride, {}));
}

absl::Status WritePaletteModel(const std::string& path) {
  torch::jit::Module module = PaletteModel();
  const Palette& palette = CamVidPalette();
  return SaveWithCard(
      module, path,
      CardJson("palette", "nearest CamVid palette colour, as a 1x1 convolution",
               static_cast<int>(palette.colors.size()), 1,
               palette.class_names));
}

}  // namespace tessera::tools
