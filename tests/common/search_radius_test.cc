#include "common/search_radius.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace tessera {
namespace {

TEST(SearchRadiusTest, OneNumberIsTheSameEachWay) {
  const SearchRadius square = 7;
  EXPECT_EQ(square.x, 7);
  EXPECT_EQ(square.y, 7);
  EXPECT_TRUE(square.Square());
  EXPECT_EQ(ParseSearchRadius("7"), square);
  EXPECT_EQ(ParseSearchRadius(" 7 "), square);
  EXPECT_EQ(ParseSearchRadius("0"), SearchRadius(0));
}

TEST(SearchRadiusTest, AcrossComesFirstAsInImageSizes) {
  const std::optional<SearchRadius> wide = ParseSearchRadius("11x5");
  ASSERT_TRUE(wide.has_value());
  EXPECT_EQ(wide->x, 11);
  EXPECT_EQ(wide->y, 5);
  EXPECT_EQ(ParseSearchRadius(" 3 X 16 "), SearchRadius(3, 16));
  // Narrower than tall, and no search across at all, are shapes too.
  EXPECT_EQ(ParseSearchRadius("0x10"), SearchRadius(0, 10));
  EXPECT_FALSE(SearchRadius(11, 5).Square());
}

TEST(SearchRadiusTest, AnythingElseIsNotARadius) {
  for (const char* bad :
       {"", "  ", "x7", " x7", "10x", "10x ", "+5", "1x+2", "-1", "3x-1",
        "1x2x3", "seven", "7p", "7 7", "7px", "99999999999", "2147483648x1"}) {
    EXPECT_EQ(ParseSearchRadius(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(SearchRadiusTest, TextReadsBackAsTheSameRadius) {
  for (const SearchRadius radius : {SearchRadius(0), SearchRadius(7),
                                    SearchRadius(11, 5), SearchRadius(0, 16)}) {
    const std::string text = SearchRadiusText(radius);
    EXPECT_EQ(ParseSearchRadius(text), radius) << text;
  }
  EXPECT_EQ(SearchRadiusText(7), "7");
  EXPECT_EQ(SearchRadiusText({11, 5}), "11x5");
}

TEST(SearchRadiusTest, WithinChecksEachWay) {
  EXPECT_TRUE(SearchRadius(16).Within(16));
  EXPECT_TRUE(SearchRadius(0, 16).Within(16));
  EXPECT_FALSE(SearchRadius(17, 0).Within(16));
  EXPECT_FALSE(SearchRadius(0, 17).Within(16));
  EXPECT_FALSE(SearchRadius(3, -1).Within(16));
  EXPECT_FALSE(SearchRadius(-1, 3).Within(16));
}

}  // namespace
}  // namespace tessera
