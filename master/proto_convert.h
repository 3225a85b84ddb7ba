// Translation between tessera.v1 messages and the master core's own types.
// Validation of everything a peer sends happens here or in the core, never in
// the reactors themselves.
//
//   ASSIGN_OR_RETURN(StreamSettings settings,
//                    SettingsFromConfig(request.config(), defaults));
#ifndef TESSERA_MASTER_PROTO_CONVERT_H_
#define TESSERA_MASTER_PROTO_CONVERT_H_

#include "absl/status/statusor.h"
#include "master/links.h"
#include "master/master_core.h"
#include "tessera/v1/tessera.pb.h"

namespace tessera::master {

// Unset fields (0, UNSPECIFIED, no grid) take `defaults`. INVALID_ARGUMENT
// for enum values this build does not know.
absl::StatusOr<StreamSettings> SettingsFromConfig(
    const v1::StreamConfig& config, const StreamSettings& defaults);
v1::StreamAccepted AcceptedMessage(const StreamHandle& handle);
// Unset fields of `config` keep `defaults`; INVALID_ARGUMENT for an unknown
// mode or impossible values.
absl::StatusOr<DvsSettings> DvsFromProto(const v1::DvsConfig& config,
                                         const DvsSettings& defaults);
v1::DvsConfig DvsToProto(const DvsSettings& dvs);

// INVALID_ARGUMENT when the hello leaves out its id or advertises a
// non-positive speed, in-flight bound or class count.
absl::StatusOr<WorkerHelloInfo> HelloFromProto(const v1::WorkerHello& hello);

v1::MasterMessage TaskToProto(const TaskMessage& task);
v1::MasterMessage PlanToProto(const StagePlanMessage& plan);

// Decodes the labels (and confidence) of a result. The sizes are checked by
// the core, which knows the region.
absl::StatusOr<RegionResultIn> ResultFromProto(const v1::RegionResult& result,
                                               const DecodeLimits& limits);

// Encodes the mask with `mask_encoding`.
absl::StatusOr<v1::StreamResponse> OutcomeToProto(const FrameOutcome& outcome,
                                                  Encoding mask_encoding);

}  // namespace tessera::master

#endif  // TESSERA_MASTER_PROTO_CONVERT_H_
