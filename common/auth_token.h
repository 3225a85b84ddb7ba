// The shared secret that admits workers and clients to a master when auth
// is on: read from a file (so it never shows in a process list), sent as
// gRPC metadata `authorization: Bearer <token>`, compared in constant time.
//
//   ASSIGN_OR_RETURN(std::string token, AuthTokenFromFlag());
//   context.AddMetadata(kAuthMetadataKey, BearerValue(token));
#ifndef TESSERA_COMMON_AUTH_TOKEN_H_
#define TESSERA_COMMON_AUTH_TOKEN_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tessera {

inline constexpr char kAuthMetadataKey[] = "authorization";

// The file's content without surrounding whitespace. INVALID_ARGUMENT naming
// `flag` when it cannot be read, is empty, or holds whitespace inside.
absl::StatusOr<std::string> ReadAuthToken(std::string_view flag,
                                          const std::string& path);

// The token of the file named by --auth_token_file (defined here, so that
// the master, the workers and tessera-stream accept the same flag); "" when
// the flag is empty, meaning no auth. Errors as ReadAuthToken.
absl::StatusOr<std::string> AuthTokenFromFlag();

// "Bearer <token>".
std::string BearerValue(const std::string& token);

// Whether `metadata_value` is "Bearer <token>", in time independent of where
// the two differ.
bool BearerMatches(std::string_view metadata_value, const std::string& token);

}  // namespace tessera

#endif  // TESSERA_COMMON_AUTH_TOKEN_H_
