#include "worker/json_proto.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace tessera::worker {

absl::Status ReadJsonProto(const std::string& path, const std::string& what,
                           google::protobuf::Message& message) {
  std::ifstream file(path);
  if (!file) {
    return absl::NotFoundError(
        absl::StrFormat("%s %s does not exist or cannot be read", what, path));
  }
  std::stringstream text;
  text << file.rdbuf();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(text.str(),
                                                            &message, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s %s is not valid JSON for %s: %s", what, path,
        message.GetDescriptor()->full_name(), parsed.message().ToString()));
  }
  return absl::OkStatus();
}

}  // namespace tessera::worker
