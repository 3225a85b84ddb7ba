// Starting, watching and stopping the real Tessera executables, for
// tessera-bench and the integration tests.
//
//   ChildProcess master({"/path/tessera-master", "--listen=127.0.0.1:0",
//                        "--port_file=/tmp/x/port"}, "/tmp/x/master.log");
//   int port = WaitForPortFile("/tmp/x/port", 10000);
//   master.Kill(SIGTERM);
#ifndef TESSERA_TOOLS_CHILD_PROCESS_H_
#define TESSERA_TOOLS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace tessera {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] is a path); stdout and stderr go to `log_path`.
  // The child is killed if this process dies. started() is false when it
  // could not be forked; a program that cannot be executed exits with 127.
  ChildProcess(const std::vector<std::string>& argv, std::string log_path);
  ~ChildProcess();  // SIGKILL and reap, if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return started_; }
  void Kill(int signal);
  // Waits up to `timeout_ms` for exit; returns the exit code, 128+signal when
  // killed, or -1 on timeout.
  int Wait(int timeout_ms);
  bool running();
  pid_t pid() const { return pid_; }
  std::string log() const;  // what it printed so far
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  bool started_ = false;
  int exit_code_ = -1;
  std::string log_path_;
};

// Polls `path` until it holds a port number; 0 on timeout.
int WaitForPortFile(const std::string& path, int timeout_ms);
// Polls until `process`'s log contains `text`; false on timeout.
bool WaitForLog(const ChildProcess& process, const std::string& text,
                int timeout_ms);

}  // namespace tessera

#endif  // TESSERA_TOOLS_CHILD_PROCESS_H_
