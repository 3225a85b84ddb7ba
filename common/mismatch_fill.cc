#include "common/mismatch_fill.h"

namespace tessera {
namespace {

// Fills one distrusted pixel from the most alike of its neighbours at
// `offsets` that are settled, if one is within `similarity`.
void FillFromNeighbours(const Image& current, int similarity, int x, int y,
                        const int (&offsets)[4][2],
                        DistrustedPixels& distrusted, Image& labels,
                        Image& confidence) {
  const uint8_t* colour = current.at(x, y);
  int best = similarity + 1;
  int from_x = -1, from_y = -1;
  for (const auto& [dx, dy] : offsets) {
    const int nx = x + dx;
    const int ny = y + dy;
    if (nx < 0 || ny < 0 || nx >= current.width || ny >= current.height ||
        distrusted.Has(nx, ny)) {
      continue;
    }
    const int distance = ColourDistance(colour, current.at(nx, ny));
    if (distance < best) {
      best = distance;
      from_x = nx;
      from_y = ny;
    }
  }
  if (from_x < 0) return;
  *labels.at(x, y) = *labels.at(from_x, from_y);
  if (!confidence.empty())
    *confidence.at(x, y) = *confidence.at(from_x, from_y);
  distrusted.Clear(x, y);
}

}  // namespace

void FillDistrustedPixels(const Image& current, int similarity,
                          DistrustedPixels& distrusted, Image& labels,
                          Image& confidence) {
  // Down and right, each pixel from the four neighbours the pass has been
  // through: behind it on its row and the three of the row above.
  static constexpr int kAboveAndLeft[4][2] = {
      {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
  static constexpr int kBelowAndRight[4][2] = {{1, 0}, {1, 1}, {0, 1}, {-1, 1}};
  const std::vector<DistrustedPixels::Pixel>& marked = distrusted.marked();
  for (const auto& [x, y] : marked) {
    FillFromNeighbours(current, similarity, x, y, kAboveAndLeft, distrusted,
                       labels, confidence);
  }
  // Then up and left, for what only the far side could fill.
  for (auto it = marked.rbegin(); it != marked.rend(); ++it) {
    if (!distrusted.Has(it->x, it->y)) continue;
    FillFromNeighbours(current, similarity, it->x, it->y, kBelowAndRight,
                       distrusted, labels, confidence);
  }
}

}  // namespace tessera
