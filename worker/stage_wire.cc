#include "worker/stage_wire.h"

#include <torch/torch.h>

#include <cstring>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace tessera::worker {
namespace {

// No stage of a segmentation network sends more: 2^31 elements is 8 GB in
// fp32. Also keeps the element count from overflowing.
constexpr int64_t kMaxElements = int64_t{1} << 31;

int BytesPerElement(v1::StageTensor::DType dtype) {
  return dtype == v1::StageTensor::FLOAT16 ? 2 : 4;
}

}  // namespace

absl::StatusOr<v1::StageTensor> EncodeStageTensor(
    const std::string& name, const at::Tensor& tensor,
    v1::StageTensor::DType dtype) {
  if (!tensor.is_floating_point()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("stage tensor %s is %s, not floating point", name,
                        std::string(c10::toString(tensor.scalar_type()))));
  }
  const at::Tensor host =
      tensor
          .to(torch::kCPU, dtype == v1::StageTensor::FLOAT16 ? torch::kHalf
                                                             : torch::kFloat32)
          .contiguous();
  v1::StageTensor wire;
  wire.set_name(name);
  for (int64_t size : host.sizes()) wire.add_shape(size);
  wire.set_dtype(dtype);
  wire.set_data(host.data_ptr(), host.numel() * BytesPerElement(dtype));
  return wire;
}

absl::StatusOr<at::Tensor> DecodeStageTensor(const v1::StageTensor& wire) {
  const std::string shape = absl::StrJoin(wire.shape(), "x");
  if (!v1::StageTensor::DType_IsValid(wire.dtype())) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "stage tensor %s has unknown dtype %d", wire.name(), wire.dtype()));
  }
  int64_t elements = 1;
  for (int64_t size : wire.shape()) {
    if (size < 0 || (size > 0 && elements > kMaxElements / size)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "stage tensor %s has shape %s: negative, or over %d elements",
          wire.name(), shape, kMaxElements));
    }
    elements *= size;
  }
  const int64_t expected = elements * BytesPerElement(wire.dtype());
  if (static_cast<int64_t>(wire.data().size()) != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "stage tensor %s of shape %s in %s needs %d bytes, got %d", wire.name(),
        shape, v1::StageTensor::DType_Name(wire.dtype()), expected,
        wire.data().size()));
  }
  const std::vector<int64_t> sizes(wire.shape().begin(), wire.shape().end());
  at::Tensor tensor = torch::empty(
      sizes, wire.dtype() == v1::StageTensor::FLOAT16 ? torch::kHalf
                                                      : torch::kFloat32);
  if (expected > 0)
    std::memcpy(tensor.data_ptr(), wire.data().data(), expected);
  return tensor.to(torch::kFloat32);
}

}  // namespace tessera::worker
