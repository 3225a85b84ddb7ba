// Shading of the background surfaces of the synthetic street (sky, ground,
// facades, fences): colour and class of a world point, with textures
// anchored to the world so that they move exactly with the flow. Fine
// detail fades out where one pixel spans it (`px_*`: metres per pixel), so
// distant texture does not shimmer from frame to frame.
//
//   FacadeCell cell = FacadeCellAt(style, /*side=*/1, z);
//   Rgbf c = ShadeFacade(style, 1, cell, z, y, px_along, &label);
#ifndef TESSERA_TOOLS_SYNTH_SURFACES_H_
#define TESSERA_TOOLS_SYNTH_SURFACES_H_

#include <cstdint>

#include "tools/synth_noise.h"
#include "tools/synth_world.h"

namespace tessera::tools::synth {

// One stretch of a facade plane along Z: a building or a hedge, optionally
// with a fence in front.
struct FacadeCell {
  int64_t index = 0;
  double z0 = 0;  // start and end along Z
  double z1 = 0;
  uint32_t hash = 0;
  bool building = true;
  double height = 0;  // roof height, or the hedge's mean height
  bool fence = false;
  double fence_height = 0;
};

FacadeCell FacadeCellAt(const SceneStyle& style, int side, double z);
// Height of the facade's top edge at `z` (hedges have a ragged top).
double FacadeTop(const FacadeCell& cell, double z);

// Sky in direction (a, e): a = (i - cx) / focal, e = (horizon - j) / focal,
// with the clouds shifted by `drift` (same unit as a).
Rgbf ShadeSky(const SceneStyle& style, double a, double e, double drift);
Rgbf ShadeGround(const SceneStyle& style, double x, double z, double px_x,
                 double px_z, uint8_t* label);
Rgbf ShadeFacade(const SceneStyle& style, int side, const FacadeCell& cell,
                 double z, double y, double px_along, uint8_t* label);
Rgbf ShadeFence(const SceneStyle& style, int side, const FacadeCell& cell,
                double z, double y, double px_along);

// Fraction of a pixel `px` wide, centred `d` from the middle of a line
// `half_width` either side, that the line covers (a box filter).
double LineCover(double d, double half_width, double px);

}  // namespace tessera::tools::synth

#endif  // TESSERA_TOOLS_SYNTH_SURFACES_H_
