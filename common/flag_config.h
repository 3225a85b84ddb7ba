// Flag values from a config file and from the environment, so that a
// container or a compose file can configure an executable without a command
// line. Every flag of a program can also be set
//   - as a line `name = value` in the program's section ([master], [worker]
//     or [stream]) of the file named by --config=FILE or $TESSERA_CONFIG, and
//   - as an environment variable TESSERA_<PROGRAM>_<NAME>, the flag's name
//     in upper case (TESSERA_WORKER_MAX_IN_FLIGHT=4).
// The command line wins over the environment, which wins over the file.
// A name that is no flag of the program, a malformed line, an unknown
// section or a value the flag refuses is an error naming where it came from,
// so a misconfigured container stops at start with one clear line.
//
//   int main(int argc, char** argv) {
//     ParseFlagsWithConfig("worker", argc, argv);  // exits 2 on a bad config
#ifndef TESSERA_COMMON_FLAG_CONFIG_H_
#define TESSERA_COMMON_FLAG_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tessera {

// One flag value and where it was written, for error messages.
struct FlagSetting {
  std::string name;    // the flag's name, e.g. "max_in_flight"
  std::string value;   // as written, surrounding quotes removed
  std::string origin;  // "tessera.conf:7" or "TESSERA_WORKER_THREADS"
};

// The settings of section [program] in a config file's text. Lines are
// `name = value`, `[section]`, blank, or comments starting with '#'. Dashes
// in names count as underscores. Settings outside any section, sections
// other than master/worker/stream, and lines of another shape are errors
// (INVALID_ARGUMENT naming `file` and the line).
absl::StatusOr<std::vector<FlagSetting>> ParseFlagConfigText(
    std::string_view text, std::string_view file, std::string_view program);

// The settings TESSERA_<PROGRAM>_<NAME>=value in a null-terminated
// environment block (like `environ`), in the block's order.
std::vector<FlagSetting> FlagSettingsFromEnvironment(std::string_view program,
                                                     char** envp);

// Sets each flag of this process in order. INVALID_ARGUMENT naming the
// setting's origin when no flag has its name or the flag refuses its value.
absl::Status ApplyFlagSettings(std::string_view program,
                               const std::vector<FlagSetting>& settings);

// All of the above, to be called before absl::ParseCommandLine: reads the
// config file (--config in argv, else $TESSERA_CONFIG, else none), then the
// environment, and applies them; the command line parsed afterwards
// overrides both.
absl::Status ApplyFlagConfig(std::string_view program, int argc, char** argv,
                             char** envp);

// ApplyFlagConfig with this process's environment, then
// absl::ParseCommandLine. On a config error prints "tessera-<program>:
// <message>" on stderr and exits with status 2, like a bad flag.
void ParseFlagsWithConfig(std::string_view program, int argc, char** argv);

}  // namespace tessera

#endif  // TESSERA_COMMON_FLAG_CONFIG_H_
