// Creating output folders with a status that names the folder.
//
//   RETURN_IF_ERROR(CreateFolder(out / "labels"));
#ifndef TESSERA_COMMON_FOLDERS_H_
#define TESSERA_COMMON_FOLDERS_H_

#include <filesystem>

#include "absl/status/status.h"

namespace tessera {

// Creates `folder` and its parents; OK if it already is a folder.
// INVALID_ARGUMENT when it cannot be created or a file has its name.
absl::Status CreateFolder(const std::filesystem::path& folder);

}  // namespace tessera

#endif  // TESSERA_COMMON_FOLDERS_H_
