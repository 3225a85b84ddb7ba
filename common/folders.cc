#include "common/folders.h"

#include "absl/strings/str_format.h"

namespace tessera {

absl::Status CreateFolder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  // Whether an existing non-folder of that name is an error has varied
  // between library versions (LWG 2935), so check the result too.
  std::error_code type_error;
  if (error || !std::filesystem::is_directory(folder, type_error)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot create folder %s: %s", folder.string(),
                        error ? error.message() : "not a folder"));
  }
  return absl::OkStatus();
}

}  // namespace tessera
