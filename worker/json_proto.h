// Reads a protobuf message from a JSON file, the format of the files that
// travel beside a model (model card, decision network). Unknown fields are
// errors, so a misspelt key cannot be silently ignored.
//
//   v1::ModelCard card;
//   RETURN_IF_ERROR(ReadJsonProto("models/synth.card.json", "model card",
//                                 card));
#ifndef TESSERA_WORKER_JSON_PROTO_H_
#define TESSERA_WORKER_JSON_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace tessera::worker {

// NOT_FOUND "<what> <path> does not exist or cannot be read";
// INVALID_ARGUMENT "<what> <path> is not valid JSON for <type>: <why>".
absl::Status ReadJsonProto(const std::string& path, const std::string& what,
                           google::protobuf::Message& message);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_JSON_PROTO_H_
