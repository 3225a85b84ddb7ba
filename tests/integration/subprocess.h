// The Tessera executables as child processes of a test (tools/child_process.h),
// logging into a folder private to the test process.
//
//   Subprocess master({kMasterBinary, "--listen=127.0.0.1:0", ...}, "master");
//   int port = WaitForPortFile(port_file, 10000);
//   master.Kill(SIGKILL);
#ifndef TESSERA_TESTS_INTEGRATION_SUBPROCESS_H_
#define TESSERA_TESTS_INTEGRATION_SUBPROCESS_H_

#include <string>
#include <vector>

#include "tools/child_process.h"

namespace tessera::testing {

// A folder private to this test process.
std::string TempDir();

// A child process whose output goes to <TempDir>/<log_name>.log; a failure
// to start it fails the test.
class Subprocess : public ChildProcess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::string& log_name);
};

}  // namespace tessera::testing

#endif  // TESSERA_TESTS_INTEGRATION_SUBPROCESS_H_
