#include "common/key_colour_search.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <opencv2/core.hpp>

#include "common/cv_view.h"

namespace tessera {
namespace {

// Eight costs of one row of candidates: 16 bytes, one SSE2 or NEON
// register (wider vectors would change how they are passed on x86-64
// without AVX, which GCC warns of).
constexpr int kLanes = 8;
using Costs = int16_t __attribute__((vector_size(kLanes * sizeof(int16_t))));
using Bytes = uint8_t __attribute__((vector_size(kLanes)));
// A lane outside the search: never cheaper than anything.
constexpr int16_t kOutside = INT16_MAX;
constexpr Costs kLaneIndex = {0, 1, 2, 3, 4, 5, 6, 7};
// Rows of eight candidates that cover the widest search.
constexpr int kMaxChunks = (2 * kMaxKeySearchRadius + kLanes) / kLanes;
// The largest cost a lane computes: the largest L1 distance of two RGB
// colours, and steps across (up to kLanes - 1 past the search in the last
// vector of a row) and down.
static_assert(765 +
                  kMaxKeySearchStepCost * ((kMaxKeySearchRadius + kLanes - 1) +
                                           kMaxKeySearchRadius) <
              kOutside);
static_assert(kMaxKeySearchSide + kLanes < kOutside);

Costs Splat(int value) { return Costs{} + static_cast<int16_t>(value); }

Costs Abs(Costs v) {
  const Costs negative = v < 0;  // all ones where negative
  return (v ^ negative) - negative;
}

// `a` where `mask` is all ones, else `b`.
Costs Select(Costs mask, Costs a, Costs b) { return (a & mask) | (b & ~mask); }

}  // namespace

KeyColourSearch::KeyColourSearch(const Image& key_image)
    : width_(key_image.width),
      height_(key_image.height),
      stride_(key_image.width + kLanes),
      planes_(static_cast<size_t>(3) * stride_ * key_image.height) {
  cv::Mat channels[3];
  for (int c = 0; c < 3; ++c) {
    channels[c] = cv::Mat(
        height_, width_, CV_8U,
        planes_.data() + static_cast<size_t>(c) * stride_ * height_, stride_);
  }
  // Into the padded planes as they are: the sizes match, so nothing is
  // reallocated.
  cv::split(MatView(key_image), channels);
}

const uint8_t* KeyColourSearch::Plane(int channel, int x, int y) const {
  return planes_.data() +
         (static_cast<size_t>(channel) * height_ + y) * stride_ + x;
}

KeyColourSearch::Found KeyColourSearch::Cheapest(const uint8_t* colour,
                                                 Pixel around,
                                                 SearchRadius radius,
                                                 int step_cost,
                                                 int below) const {
  const int x0 = std::max(0, around.x - radius.x);
  const int x1 = std::min(width_ - 1, around.x + radius.x);
  const int y0 = std::max(0, around.y - radius.y);
  const int y1 = std::min(height_ - 1, around.y + radius.y);
  const int chunks = (x1 - x0 + kLanes) / kLanes;
  const Costs red = Splat(colour[0]);
  const Costs green = Splat(colour[1]);
  const Costs blue = Splat(colour[2]);
  // Per chunk of eight columns: which lanes lie in the search, what their
  // columns cost, and the cheapest cost each lane has seen and in which
  // row (the first on a tie: rows run in order and only a strictly lower
  // cost replaces).
  Costs inside[kMaxChunks], across[kMaxChunks], best[kMaxChunks],
      best_row[kMaxChunks];
  for (int c = 0; c < chunks; ++c) {
    const Costs column = kLaneIndex + static_cast<int16_t>(x0 + c * kLanes);
    inside[c] = column <= Splat(x1);
    across[c] = Abs(column - Splat(around.x)) * static_cast<int16_t>(step_cost);
    best[c] = Splat(kOutside);
    best_row[c] = Splat(0);
  }
  for (int y = y0; y <= y1; ++y) {
    const Costs down = Splat(step_cost * std::abs(y - around.y));
    for (int c = 0; c < chunks; ++c) {
      const int x = x0 + c * kLanes;
      Bytes r, g, b;  // the padding keeps eight bytes readable
      std::memcpy(&r, Plane(0, x, y), kLanes);
      std::memcpy(&g, Plane(1, x, y), kLanes);
      std::memcpy(&b, Plane(2, x, y), kLanes);
      const Costs cost = Select(
          inside[c],
          Abs(__builtin_convertvector(r, Costs) - red) +
              Abs(__builtin_convertvector(g, Costs) - green) +
              Abs(__builtin_convertvector(b, Costs) - blue) + across[c] + down,
          Splat(kOutside));
      const Costs cheaper = cost < best[c];
      best[c] = Select(cheaper, cost, best[c]);
      best_row[c] = Select(cheaper, Splat(y), best_row[c]);
    }
  }
  // The lanes' winners in row order: the lowest cost, then the first row,
  // then the first column.
  Found found;
  // A lane outside the search costs kOutside: never found.
  int found_cost = std::min(below, static_cast<int>(kOutside));
  for (int c = 0; c < chunks; ++c) {
    for (int lane = 0; lane < kLanes; ++lane) {
      const int cost = best[c][lane];
      const int y = best_row[c][lane];
      const int x = x0 + c * kLanes + lane;
      if (cost < found_cost ||
          (found.found && cost == found_cost && y < found.at.y)) {
        found_cost = cost;
        found = {true, {x, y}};
      }
    }
  }
  return found;
}

}  // namespace tessera
