// The tensors crossing a pipeline cut (worker/model_stages.h) to and from
// their wire form, tessera.v1.StageTensor: dense little-endian bytes in
// fp32, or fp16 at half the size. Decoding checks a message before
// trusting it: a shape, dtype or byte count that do not agree is refused
// naming the tensor, never read past.
//
// Includes LibTorch: include it from .cc files only.
//
//   ASSIGN_OR_RETURN(v1::StageTensor wire,
//                    EncodeStageTensor("s16", tensor,
//                    v1::StageTensor::FLOAT16));
//   ASSIGN_OR_RETURN(at::Tensor back, DecodeStageTensor(wire));  // fp32, CPU
#ifndef TESSERA_WORKER_STAGE_WIRE_H_
#define TESSERA_WORKER_STAGE_WIRE_H_

#include <ATen/Tensor.h>

#include <string>

#include "absl/status/statusor.h"
#include "tessera/v1/stage.pb.h"

namespace tessera::worker {

// INVALID_ARGUMENT for a tensor that is not floating point.
absl::StatusOr<v1::StageTensor> EncodeStageTensor(const std::string& name,
                                                  const at::Tensor& tensor,
                                                  v1::StageTensor::DType dtype);

// The tensor as fp32 on the CPU. INVALID_ARGUMENT naming the tensor for a
// negative or too large shape, an unknown dtype, or bytes that do not
// match the shape.
absl::StatusOr<at::Tensor> DecodeStageTensor(const v1::StageTensor& wire);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_STAGE_WIRE_H_
