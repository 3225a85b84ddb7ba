// Starting and stopping the real Tessera executables from integration tests.
//
//   Subprocess master({kMasterBinary, "--listen=127.0.0.1:0", ...}, "master");
//   int port = master.WaitForPortFile(port_file);
//   master.Kill(SIGKILL);
#ifndef TESSERA_TESTS_INTEGRATION_SUBPROCESS_H_
#define TESSERA_TESTS_INTEGRATION_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace tessera::testing {

class Subprocess {
 public:
  // Starts `argv`; stdout and stderr go to <TempDir>/<log_name>.log.
  Subprocess(const std::vector<std::string>& argv, const std::string& log_name);
  ~Subprocess();  // SIGKILL and reap, if still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  void Kill(int signal);
  // Waits up to `timeout_ms` for exit; returns the exit code, 128+signal when
  // killed, or -1 on timeout.
  int Wait(int timeout_ms);
  bool running();
  std::string log() const;  // what it printed so far
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Polls `path` until it holds a port number; 0 on timeout.
int WaitForPortFile(const std::string& path, int timeout_ms);
// Polls until `log` contains `text`; false on timeout.
bool WaitForLog(const Subprocess& process, const std::string& text,
                int timeout_ms);
// A folder private to this test process.
std::string TempDir();

}  // namespace tessera::testing

#endif  // TESSERA_TESTS_INTEGRATION_SUBPROCESS_H_
