// Reading a whole file into memory and writing one back, for the small files
// Tessera's programs take or leave by path (certificates, tokens, label
// PNGs).
//
//   ASSIGN_OR_RETURN(std::string pem, ReadFileBytes("ca.crt"));
#ifndef TESSERA_COMMON_FILE_BYTES_H_
#define TESSERA_COMMON_FILE_BYTES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tessera {

// The file's bytes. NOT_FOUND "<path> cannot be read" when it cannot be
// opened (missing, a folder, no permission).
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

// Replaces the file's contents with `bytes`. INTERNAL "cannot write <path>"
// when it cannot be created or written in full.
absl::Status WriteFileBytes(const std::string& path, std::string_view bytes);

}  // namespace tessera

#endif  // TESSERA_COMMON_FILE_BYTES_H_
