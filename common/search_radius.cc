#include "common/search_radius.h"

#include <ostream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tessera {
namespace {

std::optional<int> NonNegative(absl::string_view text) {
  int value = 0;
  // SimpleAtoi takes a sign; a radius is written without one.
  text = absl::StripAsciiWhitespace(text);
  if (text.empty() || !absl::ascii_isdigit(text.front()) ||
      !absl::SimpleAtoi(text, &value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<SearchRadius> ParseSearchRadius(absl::string_view text) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar("xX"));
  if (parts.size() == 1) {
    const std::optional<int> each_way = NonNegative(parts[0]);
    if (!each_way.has_value()) return std::nullopt;
    return SearchRadius(*each_way);
  }
  if (parts.size() != 2) return std::nullopt;
  const std::optional<int> across = NonNegative(parts[0]);
  const std::optional<int> up_down = NonNegative(parts[1]);
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
