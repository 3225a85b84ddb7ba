#include "common/flag_config.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

// Declared here, not in each main, so every program that reads a config
// file accepts the same flag.
ABSL_FLAG(std::string, config, "",
          "config file: `name = value` lines under [master], [worker] or "
          "[stream] (default: $TESSERA_CONFIG); command-line flags win");

namespace tessera {
namespace {

// Debian's Abseil has its own string_view, distinct from std::string_view.
absl::string_view AsAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

constexpr absl::string_view kSections[] = {"master", "worker", "stream"};

bool IsKnownSection(absl::string_view section) {
  for (absl::string_view known : kSections) {
    if (section == known) return true;
  }
  return false;
}

std::string EnvPrefix(std::string_view program) {
  return absl::StrFormat("TESSERA_%s_", absl::AsciiStrToUpper(AsAbsl(program)));
}

// A value may be quoted so that it can hold '#' or edge spaces.
absl::string_view Unquote(absl::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// The value of --config in argv, "" when absent.
std::string ConfigPathFromArgv(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--")) absl::ConsumePrefix(&arg, "-");
    if (absl::ConsumePrefix(&arg, "config=")) return std::string(arg);
    if (arg == "config" && i + 1 < argc) return argv[i + 1];
  }
  return "";
}

}  // namespace

absl::StatusOr<std::vector<FlagSetting>> ParseFlagConfigText(
    std::string_view text, std::string_view file, std::string_view program) {
  std::vector<FlagSetting> settings;
  std::string section;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(AsAbsl(text), '\n')) {
    ++line_number;
    const std::string where = absl::StrFormat("%s:%d", file, line_number);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return absl::InvalidArgumentError(absl::StrFormat(
            "config %s: section header '%s' lacks its closing ']'", where,
            line));
      }
      section = std::string(
          absl::StripAsciiWhitespace(line.substr(1, line.size() - 2)));
      if (!IsKnownSection(section)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "config %s: unknown section [%s]; expected one of [%s]", where,
            section, absl::StrJoin(kSections, "], [")));
      }
      continue;
    }
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "config %s: expected 'name = value', got '%s'", where, line));
    }
    const std::string name = absl::StrReplaceAll(
        absl::StripAsciiWhitespace(line.substr(0, equals)), {{"-", "_"}});
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("config %s: a setting without a name", where));
    }
    if (section.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "config %s: '%s' comes before any [section]; put it under "
          "[master], [worker] or [stream]",
          where, name));
    }
    if (section != program) continue;
    const absl::string_view value =
        Unquote(absl::StripAsciiWhitespace(line.substr(equals + 1)));
    settings.push_back({name, std::string(value), where});
  }
  return settings;
}

std::vector<FlagSetting> FlagSettingsFromEnvironment(std::string_view program,
                                                     char** envp) {
  const std::string prefix = EnvPrefix(program);
  std::vector<FlagSetting> settings;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view variable = *entry;
    const size_t equals = variable.find('=');
    if (equals == absl::string_view::npos) continue;
    absl::string_view name = variable.substr(0, equals);
    if (!absl::StartsWith(name, prefix)) continue;
    const std::string origin(name);
    name.remove_prefix(prefix.size());
    settings.push_back({absl::AsciiStrToLower(name),
                        std::string(variable.substr(equals + 1)), origin});
  }
  return settings;
}

absl::Status ApplyFlagSettings(std::string_view program,
                               const std::vector<FlagSetting>& settings) {
  for (const FlagSetting& setting : settings) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(setting.name);
    if (flag == nullptr || flag->IsRetired() || setting.name == "config") {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: tessera-%s has no flag --%s (see --help)",
                          setting.origin, program, setting.name));
    }
    std::string error;
    if (!flag->ParseFrom(setting.value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: bad value '%s' for --%s: %s", setting.origin,
                          setting.value, setting.name, error));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyFlagConfig(std::string_view program, int argc, char** argv,
                             char** envp) {
  std::string path = ConfigPathFromArgv(argc, argv);
  for (char** entry = envp; path.empty() && entry && *entry; ++entry) {
    absl::string_view variable = *entry;
    if (absl::ConsumePrefix(&variable, "TESSERA_CONFIG=")) {
      path = std::string(variable);
    }
  }
  std::vector<FlagSetting> settings;
  if (!path.empty()) {
    std::ifstream file(path);
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrFormat("config %s cannot be read", path));
    }
    std::stringstream text;
    text << file.rdbuf();
    absl::StatusOr<std::vector<FlagSetting>> from_file =
        ParseFlagConfigText(text.str(), path, program);
    if (!from_file.ok()) return from_file.status();
    settings = *std::move(from_file);
  }
  for (FlagSetting& setting : FlagSettingsFromEnvironment(program, envp)) {
    settings.push_back(std::move(setting));
  }
  return ApplyFlagSettings(program, settings);
}

void ParseFlagsWithConfig(std::string_view program, int argc, char** argv) {
  if (absl::Status config = ApplyFlagConfig(program, argc, argv, environ);
      !config.ok()) {
    std::fprintf(stderr, "tessera-%s: %s\n", std::string(program).c_str(),
                 std::string(config.message()).c_str());
    std::exit(2);
  }
  absl::ParseCommandLine(argc, argv);
}

}  // namespace tessera
