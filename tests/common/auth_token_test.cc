#include "common/auth_token.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_file.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;
using testing::WriteTempFile;

TEST(AuthTokenTest, ReadsTheTrimmedTokenAndRefusesBadFiles) {
  const std::string good = WriteTempFile("token-good", "  abc123\n");
  absl::StatusOr<std::string> token = ReadAuthToken("--auth_token_file", good);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "abc123");

  const std::string empty = WriteTempFile("token-empty", " \n");
  EXPECT_EQ(ReadAuthToken("--auth_token_file", empty).status().message(),
            "--auth_token_file=" + empty + " is empty");
  const std::string spaced = WriteTempFile("token-spaced", "two words\n");
  EXPECT_THAT(
      std::string(
          ReadAuthToken("--auth_token_file", spaced).status().message()),
      HasSubstr("holds whitespace inside the token"));
  EXPECT_EQ(
      ReadAuthToken("--auth_token_file", "/nonexistent/token").status().code(),
      absl::StatusCode::kInvalidArgument);
  for (const std::string& path : {good, empty, spaced}) {
    std::filesystem::remove(path);
  }
}

TEST(AuthTokenTest, BearerMatchesOnlyTheExactValue) {
  EXPECT_EQ(BearerValue("abc"), "Bearer abc");
  EXPECT_TRUE(BearerMatches("Bearer abc", "abc"));
  EXPECT_FALSE(BearerMatches("Bearer abd", "abc"));
  EXPECT_FALSE(BearerMatches("Bearer ab", "abc"));
  EXPECT_FALSE(BearerMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(BearerMatches("abc", "abc"));
  EXPECT_FALSE(BearerMatches("", "abc"));
}

}  // namespace
}  // namespace tessera
