// Colour palettes for label maps, and the colourised overlays shown to people.
//
//   const Palette& palette = CamVidPalette();
//   Image colours = Colorize(labels, palette);
//   Image overlay = Overlay(frame, labels, palette, /*alpha=*/0.5);
#ifndef TESSERA_COMMON_PALETTE_H_
#define TESSERA_COMMON_PALETTE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera {

struct Palette {
  std::string name;
  std::vector<std::string> class_names;
  std::vector<std::array<uint8_t, 3>> colors;  // RGB, one per class
  std::array<uint8_t, 3> void_color{0, 0, 0};  // for ids past the classes
};

// CamVid's 11 classes (Sky .. Bicyclist), void = 11, SegNet tutorial colours.
const Palette& CamVidPalette();
// Cityscapes' 19 train ids, official colours.
const Palette& CityscapesPalette();
// "camvid" or "cityscapes"; NOT_FOUND otherwise.
absl::StatusOr<const Palette*> PaletteByName(std::string_view name);

// RGB image of the label colours.
Image Colorize(const LabelMap& labels, const Palette& palette);
// frame * (1 - alpha) + colour * alpha; frame is RGB of the labels' size.
Image Overlay(const Image& frame, const LabelMap& labels,
              const Palette& palette, double alpha);

}  // namespace tessera

#endif  // TESSERA_COMMON_PALETTE_H_
