#include "common/search_radius.h"

#include <ostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/flag_values.h"

namespace tessera {

std::optional<SearchRadius> ParseSearchRadius(absl::string_view text) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar("xX"));
  if (parts.size() == 1) {
    const std::optional<int> each_way = ParseUnsigned(parts[0]);
    if (!each_way.has_value()) return std::nullopt;
    return SearchRadius(*each_way);
  }
  if (parts.size() != 2) return std::nullopt;
  const std::optional<int> across = ParseUnsigned(parts[0]);
  const std::optional<int> up_down = ParseUnsigned(parts[1]);
  if (!across.has_value() || !up_down.has_value()) return std::nullopt;
  return SearchRadius(*across, *up_down);
}

std::string SearchRadiusText(SearchRadius radius) {
  if (radius.Square()) return absl::StrCat(radius.x);
  return absl::StrCat(radius.x, "x", radius.y);
}

std::ostream& operator<<(std::ostream& out, SearchRadius radius) {
  return out << SearchRadiusText(radius);
}

}  // namespace tessera
