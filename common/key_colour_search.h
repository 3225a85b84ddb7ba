// The guided warp's search (common/guided_warp.h): among the key pixels
// near a point, the one whose colour best matches a pixel of the current
// frame, each step away from the point costing extra.
//
// The warp searches for every pixel near a label edge whose warped colour
// is off: about half its time went into trying the candidates one by one
// (49 at radius 3, 121 at 5, 105 at the 7x3 the synth network learned, 253
// at 11x5). This tries eight candidates of a row at once with the GCC and
// Clang vector
// extensions, which compile to SSE2 on x86-64 and to NEON on ARM (the
// workers' CPUs) without intrinsics, and finds exactly what the one-by-one
// scan found (tests/common/guided_warp_test.cc compares the warp with such a
// scan).
//
//   KeyColourSearch search(key_image);
//   KeyColourSearch::Found found = search.Cheapest(colour, {fx, fy}, {11, 5},
//                                                  step_cost, at_flow);
#ifndef TESSERA_COMMON_KEY_COLOUR_SEARCH_H_
#define TESSERA_COMMON_KEY_COLOUR_SEARCH_H_

#include <cstdint>
#include <vector>

#include "common/image.h"
#include "common/search_radius.h"

namespace tessera {

// Costs and columns are int16 lanes: radii, step cost and image sides must
// stay within these (key_colour_search.cc checks that the largest cost
// fits).
inline constexpr int kMaxKeySearchRadius = 16;
inline constexpr int kMaxKeySearchStepCost = 765;
inline constexpr int kMaxKeySearchSide = 32000;

class KeyColourSearch {
 public:
  struct Pixel {
    int x = 0, y = 0;
  };
  struct Found {
    bool found = false;  // false: no candidate was cheap enough
    Pixel at;
  };

  // `key_image` is RGB, at most kMaxKeySearchSide pixels a side. Its
  // colours are copied into one plane per channel, so it need not outlive
  // the search.
  explicit KeyColourSearch(const Image& key_image);

  // Of the key pixels within `radius.x` of `around` across and `radius.y`
  // up and down (clipped to the image), the cheapest, where a pixel costs
  // the L1 distance of its colour to `colour` (RGB) plus `step_cost` for
  // each pixel of |dx| + |dy| from `around`; the first in row order among
  // equals; found only when it costs less than `below`. The radii and
  // `step_cost` must be within 0..the maxima above (the caller checks them
  // once).
  Found Cheapest(const uint8_t* colour, Pixel around, SearchRadius radius,
                 int step_cost, int below) const;

 private:
  const uint8_t* Plane(int channel, int x, int y) const;

  int width_ = 0;
  int height_ = 0;
  int stride_ = 0;               // the width and a vector's worth of padding
  std::vector<uint8_t> planes_;  // R, then G, then B
};

}  // namespace tessera

#endif  // TESSERA_COMMON_KEY_COLOUR_SEARCH_H_
