#include "common/auth_token.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            (name + std::to_string(::getpid())))
                               .string();
  std::ofstream(path) << text;
  return path;
}

TEST(AuthTokenTest, ReadsTheTrimmedTokenAndRefusesBadFiles) {
  const std::string good = WriteTemp("token-good", "  abc123\n");
  absl::StatusOr<std::string> token = ReadAuthToken("--auth_token_file", good);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "abc123");

  const std::string empty = WriteTemp("token-empty", " \n");
  EXPECT_EQ(ReadAuthToken("--auth_token_file", empty).status().message(),
            "--auth_token_file=" + empty + " is empty");
  const std::string spaced = WriteTemp("token-spaced", "two words\n");
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
