// The one conversion between absl::Status (used everywhere inside Tessera) and
// grpc::Status (used only by the thin gRPC adapters).
//
//   return ToGrpcStatus(core.Submit(frame));
#ifndef TESSERA_COMMON_GRPC_STATUS_H_
#define TESSERA_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace tessera {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace tessera

#endif  // TESSERA_COMMON_GRPC_STATUS_H_
