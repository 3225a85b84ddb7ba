#include "common/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tessera {
namespace {

std::mutex& LogMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& ProgramName() {
  static std::string name = "tessera";
  return name;
}

char SeverityLetter(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return 'I';
    case LogSeverity::kWarning:
      return 'W';
    case LogSeverity::kError:
      return 'E';
  }
  return '?';
}

}  // namespace

void SetLogProgramName(std::string_view name) {
  std::lock_guard<std::mutex> lock(LogMutex());
  ProgramName() = std::string(name);
}

LogLine::~LogLine() {
  const std::string when =
      absl::FormatTime("%H:%M:%E3S", absl::Now(), absl::LocalTimeZone());
  std::lock_guard<std::mutex> lock(LogMutex());
  std::fprintf(stderr, "%c %s %s: %s\n", SeverityLetter(severity_),
               when.c_str(), ProgramName().c_str(), stream_.str().c_str());
  std::fflush(stderr);
}

}  // namespace tessera
