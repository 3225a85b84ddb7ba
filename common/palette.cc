#include "common/palette.h"

#include <cmath>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace tessera {
namespace {

// Colour of one label; ids past the classes (void, ignore) use void_color.
const std::array<uint8_t, 3>& ColorOf(const Palette& palette, uint8_t label) {
  return label < palette.colors.size() ? palette.colors[label]
                                       : palette.void_color;
}

// Label maps the functions can index safely. The API returns plain images,
// so a malformed map yields an empty image rather than a status.
bool IsValidLabelMap(const LabelMap& labels) {
  return labels.channels == 1 && labels.width > 0 && labels.height > 0 &&
         labels.pixels.size() ==
             static_cast<size_t>(labels.width) * labels.height;
}

}  // namespace

const Palette& CamVidPalette() {
  // Leaked on purpose: no destructor runs at exit (Google style for statics).
  static const Palette* const palette =
      new Palette{"camvid",
                  {"Sky", "Building", "Pole", "Road", "Pavement", "Tree",
                   "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist"},
                  {{128, 128, 128},
                   {128, 0, 0},
                   {192, 192, 128},
                   {128, 64, 128},
                   {60, 40, 222},
                   {128, 128, 0},
                   {192, 128, 128},
                   {64, 64, 128},
                   {64, 0, 128},
                   {64, 64, 0},
                   {0, 128, 192}},
                  {0, 0, 0}};
  return *palette;
}

const Palette& CityscapesPalette() {
  // Train ids 0..18 in order; 255 (ignore) falls through to void.
  static const Palette* const palette = new Palette{
      "cityscapes",
      {"road", "sidewalk", "building", "wall", "fence", "pole", "traffic light",
       "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car",
       "truck", "bus", "train", "motorcycle", "bicycle"},
      {{128, 64, 128},
       {244, 35, 232},
       {70, 70, 70},
       {102, 102, 156},
       {190, 153, 153},
       {153, 153, 153},
       {250, 170, 30},
       {220, 220, 0},
       {107, 142, 35},
       {152, 251, 152},
       {70, 130, 180},
       {220, 20, 60},
       {255, 0, 0},
       {0, 0, 142},
       {0, 0, 70},
       {0, 60, 100},
       {0, 80, 100},
       {0, 0, 230},
       {119, 11, 32}},
      {0, 0, 0}};
  return *palette;
}

absl::StatusOr<const Palette*> PaletteByName(std::string_view name) {
  const std::string lower =
      absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "camvid") return &CamVidPalette();
  if (lower == "cityscapes") return &CityscapesPalette();
  return absl::NotFoundError(absl::StrFormat(
      "unknown palette \"%s\"; expected camvid or cityscapes", name));
}

Image Colorize(const LabelMap& labels, const Palette& palette) {
  if (!IsValidLabelMap(labels)) return Image();
  Image out = Image::Create(labels.width, labels.height, 3);
  uint8_t* dst = out.pixels.data();
  for (const uint8_t label : labels.pixels) {
    const std::array<uint8_t, 3>& c = ColorOf(palette, label);
    dst[0] = c[0];
    dst[1] = c[1];
    dst[2] = c[2];
    dst += 3;
  }
  return out;
}

Image Overlay(const Image& frame, const LabelMap& labels,
              const Palette& palette, double alpha) {
  if (!IsValidLabelMap(labels) || frame.channels != 3 ||
      frame.size() != labels.size() ||
      frame.pixels.size() != labels.pixels.size() * 3) {
    return Image();
  }
  // Fixed-point weight out of 256: alpha 0 and 1 reproduce the frame and the
  // colours exactly, and the per-pixel work stays integer.
  const double clamped = alpha > 0 ? (alpha < 1 ? alpha : 1) : 0;  // NaN -> 0
  const int w = static_cast<int>(std::lround(clamped * 256));
  Image out = Image::Create(frame.width, frame.height, 3);
  const uint8_t* src = frame.pixels.data();
  uint8_t* dst = out.pixels.data();
  for (const uint8_t label : labels.pixels) {
    const std::array<uint8_t, 3>& c = ColorOf(palette, label);
    for (int ch = 0; ch < 3; ++ch) {
      dst[ch] =
          static_cast<uint8_t>((src[ch] * (256 - w) + c[ch] * w + 128) >> 8);
    }
    src += 3;
    dst += 3;
  }
  return out;
}

}  // namespace tessera
