// Reading a whole file into memory, for the small files Tessera's programs
// take by path (certificates, tokens, label PNGs).
//
//   ASSIGN_OR_RETURN(std::string pem, ReadFileBytes("ca.crt"));
#ifndef TESSERA_COMMON_FILE_BYTES_H_
#define TESSERA_COMMON_FILE_BYTES_H_

#include <string>

#include "absl/status/statusor.h"

namespace tessera {

// The file's bytes. NOT_FOUND "<path> cannot be read" when it cannot be
// opened (missing, a folder, no permission).
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

}  // namespace tessera

#endif  // TESSERA_COMMON_FILE_BYTES_H_
