#include "common/flag_values.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace tessera {
namespace {

absl::StatusOr<std::pair<int, int>> ParsePair(std::string_view flag,
                                              std::string_view value,
                                              const char* shape) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(value.data(), value.size()), 'x');
  int a = 0;
  int b = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &a) ||
      !absl::SimpleAtoi(parts[1], &b) || a <= 0 || b <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s=%s: expected %s with positive numbers", flag, value, shape));
  }
  return std::make_pair(a, b);
}

}  // namespace

std::optional<int> ParseUnsigned(absl::string_view text) {
  const absl::string_view digits = absl::StripAsciiWhitespace(text);
  int value = 0;
  if (digits.empty() || !absl::ascii_isdigit(digits.front()) ||
      !absl::SimpleAtoi(digits, &value)) {
    return std::nullopt;
  }
  return value;
}

absl::StatusOr<Size> ParseSize(std::string_view flag, std::string_view value) {
  absl::StatusOr<std::pair<int, int>> pair = ParsePair(flag, value, "WxH");
  if (!pair.ok()) return pair.status();
  return Size{pair->first, pair->second};
}

absl::StatusOr<GridSpec> ParseGrid(std::string_view flag,
                                   std::string_view value, int halo) {
  absl::StatusOr<std::pair<int, int>> pair =
      ParsePair(flag, value, "ROWSxCOLS");
  if (!pair.ok()) return pair.status();
  if (halo < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--halo=%d: must be >= 0", halo));
  }
  return GridSpec{pair->first, pair->second, halo};
}

}  // namespace tessera
