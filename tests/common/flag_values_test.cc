#include "common/flag_values.h"

#include <gtest/gtest.h>

#include <climits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tessera {
namespace {

TEST(ParseUnsignedTest, DigitsWithWhitespaceAround) {
  EXPECT_EQ(ParseUnsigned("0"), 0);
  EXPECT_EQ(ParseUnsigned("12"), 12);
  EXPECT_EQ(ParseUnsigned(" 16\t"), 16);
  EXPECT_EQ(ParseUnsigned("007"), 7);
  EXPECT_EQ(ParseUnsigned(absl::StrCat(INT_MAX)), INT_MAX);
}

TEST(ParseUnsignedTest, SignsOtherCharactersAndOverflowAreRefused) {
  const std::vector<std::string> refused = {
      "",
      " ",
      "+12",
      "-0",
      "-1",
      "1 2",
      "12px",
      "x",
      "1e3",
      "0x10",
      absl::StrCat(static_cast<long long>(INT_MAX) + 1)};
  for (const std::string& bad : refused) {
    EXPECT_EQ(ParseUnsigned(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParseSizeTest, NamesTheFlagAndValueWhenRefused) {
  const absl::StatusOr<Size> size = ParseSize("--synth_size", "640x480");
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(size->width, 640);
  EXPECT_EQ(size->height, 480);
  const absl::Status refused = ParseSize("--synth_size", "640x0").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("--synth_size"), std::string::npos)
      << refused;
  EXPECT_NE(refused.message().find("640x0"), std::string::npos) << refused;
}

}  // namespace
}  // namespace tessera
