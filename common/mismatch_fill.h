// The last step of the guided warp (common/guided_warp.h): pixels whose
// warped colour still disagrees with the current frame take their label
// from a neighbour in the current frame whose colour is alike.
//
// A backward warp gives every pixel the label of the key pixel its flow
// points at. Where the current frame shows something the key hid, it
// points into the object that hid it: the road a car has just uncovered
// stays "car" for as long as warps are carried, and so does the sky where
// a pole stood before the flow lost it. No key pixel nearby has the current
// colour there, so the colour search cannot help; the current frame's own
// neighbours can: the uncovered road lies next to road of the same grey.
// Distrusted pixels are filled in two passes over them in raster order
// (down and right, then up and left), each from the most alike of the four
// neighbours the pass has already settled, so a filled area grows in from
// wherever its colour continues. On generated clips this took 0.06-0.28
// mIoU points off the loss of warping at decision threshold 90, much of
// it cars' trails (BENCHMARKS.md, "Filling what the key hid").
//
//   DistrustedPixels distrusted(size);
//   ...distrusted.Mark(x, y) where the warped colour is off...
//   FillDistrustedPixels(current, kDefaultFillSimilarity, distrusted,
//                        labels, confidence);
#ifndef TESSERA_COMMON_MISMATCH_FILL_H_
#define TESSERA_COMMON_MISMATCH_FILL_H_

#include <cstdint>
#include <vector>

#include "common/image.h"

namespace tessera {

// L1 distance of two RGB colours, 0..765.
inline int ColourDistance(const uint8_t* a, const uint8_t* b) {
  const auto diff = [](int x, int y) { return x > y ? x - y : y - x; };
  return diff(a[0], b[0]) + diff(a[1], b[1]) + diff(a[2], b[2]);
}

// tessera-train-dn's fill threshold by default: a warped pixel is
// distrusted, and filled, when its colour differs from the current pixel's
// by more than this (L1 over RGB) after the colour search
// (GuidedWarpOptions::fill_threshold). A little above the synth network's
// search threshold of 16, so that pixels the search settled are left
// alone: of 16, 22, 30, 60 and 100, 22 took the most off the loss of seed
// 605 (BENCHMARKS.md).
inline constexpr int kDefaultFillThreshold = 22;
// A neighbour lends its label when its colour is within this of the
// pixel's (L1 over RGB): about the noise of one surface in the generated
// clips. Not tuned further: on seed 605 at a fill threshold of 30, 12 kept
// 0.04 mIoU points less and 40 0.04 more; 40 was not tried at 22.
inline constexpr int kDefaultFillSimilarity = 24;

// Which pixels of an image are distrusted, and a list of them in the order
// they were marked, so that the fill visits only them: about one pixel in
// twenty of a generated clip's warped region, mostly noise that a
// neighbour of the same label settles at once.
class DistrustedPixels {
 public:
  struct Pixel {
    int x = 0, y = 0;
  };

  explicit DistrustedPixels(Size size)
      : width_(size.width),
        flags_(static_cast<size_t>(size.width) * size.height) {}

  // Pixels are marked in raster order (row by row, left to right), each at
  // most once: the fill's passes walk the list forwards and backwards.
  void Mark(int x, int y) {
    flags_[Index(x, y)] = 1;
    marked_.push_back({x, y});
  }
  void Clear(int x, int y) { flags_[Index(x, y)] = 0; }
  bool Has(int x, int y) const { return flags_[Index(x, y)] != 0; }
  const std::vector<Pixel>& marked() const { return marked_; }

 private:
  size_t Index(int x, int y) const {
    return static_cast<size_t>(y) * width_ + x;
  }

  int width_;
  std::vector<uint8_t> flags_;
  std::vector<Pixel> marked_;
};

// Relabels the distrusted pixels of `labels` (and `confidence`, unless it
// is empty) from their settled neighbours whose colour in `current` is
// within `similarity`, clearing each pixel it fills; pixels with no such
// neighbour keep their warped label. All images are `current`'s size; the
// caller checks.
void FillDistrustedPixels(const Image& current, int similarity,
                          DistrustedPixels& distrusted, Image& labels,
                          Image& confidence);

}  // namespace tessera

#endif  // TESSERA_COMMON_MISMATCH_FILL_H_
