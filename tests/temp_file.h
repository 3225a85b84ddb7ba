// A small file in the system's temporary folder, for tests that hand
// programs a path (tokens, certificates, profiles).
#ifndef TESSERA_TESTS_TEMP_FILE_H_
#define TESSERA_TESTS_TEMP_FILE_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace tessera::testing {

// Writes `text` to <tmp>/<name><pid><suffix> and returns the path; the pid
// keeps test processes that CTest runs at once apart.
inline std::string WriteTempFile(const std::string& name,
                                 const std::string& text,
                                 const std::string& suffix = "") {
  const std::string path = (std::filesystem::temp_directory_path() /
                            (name + std::to_string(::getpid()) + suffix))
                               .string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace tessera::testing

#endif  // TESSERA_TESTS_TEMP_FILE_H_
