// Minimal thread-safe logging to stderr (Debian's Abseil has no absl/log).
// One line per statement, prefixed with time, severity and the program name.
//
//   TLOG(INFO) << "worker " << id << " joined";
#ifndef TESSERA_COMMON_LOG_H_
#define TESSERA_COMMON_LOG_H_

#include <sstream>
#include <string_view>

namespace tessera {

enum class LogSeverity { kInfo, kWarning, kError };

// Sets the name printed on every line (the executable's name by default).
void SetLogProgramName(std::string_view name);

class LogLine {
 public:
  explicit LogLine(LogSeverity severity) : severity_(severity) {}
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogSeverity severity_;
  std::ostringstream stream_;
};

}  // namespace tessera

#define TESSERA_LOG_SEVERITY_INFO ::tessera::LogSeverity::kInfo
#define TESSERA_LOG_SEVERITY_WARNING ::tessera::LogSeverity::kWarning
#define TESSERA_LOG_SEVERITY_ERROR ::tessera::LogSeverity::kError
#define TLOG(severity) ::tessera::LogLine(TESSERA_LOG_SEVERITY_##severity)

#endif  // TESSERA_COMMON_LOG_H_
