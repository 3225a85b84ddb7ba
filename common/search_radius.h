// How far the guided warp (common/guided_warp.h) looks around the flow's
// point for a pixel whose colour the flow got wrong: a radius across and
// one up and down. On a camera moving forward, what passes the frame's
// sides (poles, parked cars) sweeps sideways faster than a fast flow
// follows, so a search may reach further across than up and down for
// less than a square of the same reach costs (BENCHMARKS.md, "A wider
// search across").
//
// Written "7" (7 each way) or "10x7" (10 across by 7 up and down, in the
// order image sizes are written).
//
//   SearchRadius square = 7;
//   std::optional<SearchRadius> wide = ParseSearchRadius("10x7");
//   SearchRadiusText(*wide) == "10x7"
#ifndef TESSERA_COMMON_SEARCH_RADIUS_H_
#define TESSERA_COMMON_SEARCH_RADIUS_H_

#include <iosfwd>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace tessera {

struct SearchRadius {
  // From one number, the same each way: implicit, because a radius was one
  // number before it could differ across, and still means a square.
  constexpr SearchRadius(int each_way = 0)  // NOLINT(runtime/explicit)
      : x(each_way), y(each_way) {}
  constexpr SearchRadius(int across, int up_down) : x(across), y(up_down) {}

  bool Square() const { return x == y; }
  // Both within 0..`max`.
  bool Within(int max) const {
    return x >= 0 && x <= max && y >= 0 && y <= max;
  }

  int x;  // pixels left and right of the point
  int y;  // pixels above and below it
};

inline bool operator==(SearchRadius a, SearchRadius b) {
  return a.x == b.x && a.y == b.y;
}
inline bool operator!=(SearchRadius a, SearchRadius b) { return !(a == b); }

// "7" or "10x7" (whitespace around either number allowed; 'x' or 'X');
// nullopt for anything else, negative numbers included. The range is the
// caller's to check (Within), so that its message can name its limit.
std::optional<SearchRadius> ParseSearchRadius(absl::string_view text);

// "7" for a square, "10x7" otherwise: what ParseSearchRadius reads back.
std::string SearchRadiusText(SearchRadius radius);
std::ostream& operator<<(std::ostream& out, SearchRadius radius);

}  // namespace tessera

#endif  // TESSERA_COMMON_SEARCH_RADIUS_H_
