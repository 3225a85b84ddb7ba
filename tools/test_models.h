// Small TorchScript segmentation models built in C++ (no Python needed), with
// their model cards, for tests and for the demo until trained models ship.
//
//   RETURN_IF_ERROR(WriteRandomModel("/tmp/net.pt", {.classes = 11}));
//
// Kinds:
//  random   three 3x3 convolutions with seeded random weights, output stride
//           1 (2: the second one is strided). Receptive field 7x7, so tiles
//           with a halo >= 3 reproduce whole-frame labels at stride 1.
//  palette  a 1x1 convolution whose class scores are minus the squared
//           distance to each CamVid palette colour: a hand-built linear
//           classifier for scenes drawn in palette colours.
#ifndef TESSERA_TOOLS_TEST_MODELS_H_
#define TESSERA_TOOLS_TEST_MODELS_H_

#include <string>

#include "absl/status/status.h"

namespace tessera::tools {

struct RandomModelOptions {
  int classes = 11;
  int width = 16;
  int stride = 1;
  int seed = 1;
};

// Writes <path> and <path without extension>.card.json.
absl::Status WriteRandomModel(const std::string& path,
                              const RandomModelOptions& options);
absl::Status WritePaletteModel(const std::string& path);

}  // namespace tessera::tools

#endif  // TESSERA_TOOLS_TEST_MODELS_H_
