#include "common/auth_token.h"

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "common/file_bytes.h"

ABSL_FLAG(std::string, auth_token_file, "",
          "file holding the token a master requires of its workers and "
          "clients, and that they send; empty: no auth");

namespace tessera {

absl::StatusOr<std::string> ReadAuthToken(std::string_view flag,
                                          const std::string& path) {
  absl::StatusOr<std::string> read = ReadFileBytes(path);
  if (!read.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s=%s cannot be read", flag, path));
  }
  std::string token = *std::move(read);
  absl::StripAsciiWhitespace(&token);
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s=%s is empty", flag, path));
  }
  for (const char c : token) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s=%s holds whitespace inside the token", flag, path));
    }
  }
  return token;
}

absl::StatusOr<std::string> AuthTokenFromFlag() {
  const std::string path = absl::GetFlag(FLAGS_auth_token_file);
  if (path.empty()) return std::string();
  return ReadAuthToken("--auth_token_file", path);
}

std::string BearerValue(const std::string& token) { return "Bearer " + token; }

bool BearerMatches(std::string_view metadata_value, const std::string& token) {
  const std::string expected = BearerValue(token);
  // Every byte is compared whatever the first difference, so that timing
  // tells nothing about how much of a guess was right.
  unsigned char difference = metadata_value.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char given = i < metadata_value.size() ? metadata_value[i] : 0;
    difference |= static_cast<unsigned char>(given ^ expected[i]);
  }
  return difference == 0;
}

}  // namespace tessera
