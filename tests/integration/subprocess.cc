#include "tests/integration/subprocess.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace tessera::testing {

std::string TempDir() {
  // One folder per test process: CTest runs test cases in parallel.
  static const std::string dir = [] {
    std::string path =
        ::testing::TempDir() + "/tessera-it-" + std::to_string(getpid());
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

Subprocess::Subprocess(const std::vector<std::string>& argv,
                       const std::string& log_name)
    : ChildProcess(argv, TempDir() + "/" + log_name + ".log") {
  if (!started()) ADD_FAILURE() << "cannot start " << argv[0];
}

}  // namespace tessera::testing
