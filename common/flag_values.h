// Parsers for the flag values the executables share ("2x2", "640x480",
// encodings), each returning a status that names the flag and the value.
//
//   ASSIGN_OR_RETURN(GridSpec grid, ParseGrid("--grid", "2x2", /*halo=*/64));
#ifndef TESSERA_COMMON_FLAG_VALUES_H_
#define TESSERA_COMMON_FLAG_VALUES_H_

#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/image.h"
#include "common/region_grid.h"

namespace tessera {

// Digits only, around which whitespace is dropped: "12", not "+12" or
// "-0" (which absl::SimpleAtoi takes); nullopt otherwise or past INT_MAX.
// Radii and colour thresholds are written so.
std::optional<int> ParseUnsigned(absl::string_view text);

// "WxH" with both positive, e.g. "640x480".
absl::StatusOr<Size> ParseSize(std::string_view flag, std::string_view value);
// "RxC" rows by columns, e.g. "2x2"; halo >= 0.
absl::StatusOr<GridSpec> ParseGrid(std::string_view flag,
                                   std::string_view value, int halo);

}  // namespace tessera

#endif  // TESSERA_COMMON_FLAG_VALUES_H_
