// The worker's view of a master's RegionTask: the fields RegionProcessor
// reads, checked, with the pixels left in the message.
//
//   ASSIGN_OR_RETURN(RegionTaskIn in, TaskFromProto(message.task()));
//   processor.Process(in);  // while `message` lives
#ifndef TESSERA_WORKER_TASK_MESSAGE_H_
#define TESSERA_WORKER_TASK_MESSAGE_H_

#include "absl/status/statusor.h"
#include "tessera/v1/tessera.pb.h"
#include "worker/region_processor.h"

namespace tessera::worker {

// INVALID_ARGUMENT for an unknown encoding or a stitched part that is not
// inside the region the task declares.
absl::StatusOr<RegionTaskIn> TaskFromProto(const v1::RegionTask& task);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_TASK_MESSAGE_H_
