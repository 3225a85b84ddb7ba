#include <ATen/ATen.h>
#include <c10/cuda/CUDAStream.h>

#include <stdexcept>
#include <string>

#include "worker/fused_labels.h"
#include "worker/fused_labels_kernel.h"

namespace tessera::worker {

bool FusedLabelsBuiltIn() { return true; }

std::vector<at::Tensor> FusedLabels(const at::Tensor& scores, int out_h,
                                    int out_w, int crop_h, int crop_w,
                                    bool want_confidence) {
  // The scores at the network's stride are small: fp32 NCHW costs little.
  const at::Tensor input = scores.to(at::kFloat).contiguous();
  FusedLabelsShape shape;
  shape.batch = static_cast<int>(input.size(0));
  shape.classes = static_cast<int>(input.size(1));
  shape.in_h = static_cast<int>(input.size(2));
  shape.in_w = static_cast<int>(input.size(3));
  shape.scale_h = static_cast<float>(shape.in_h) / out_h;
  shape.scale_w = static_cast<float>(shape.in_w) / out_w;
  shape.crop_h = crop_h;
  shape.crop_w = crop_w;
  const at::TensorOptions bytes =
      at::TensorOptions().device(input.device()).dtype(at::kByte);
  std::vector<at::Tensor> out = {
      at::empty({shape.batch, crop_h, crop_w}, bytes)};
  if (want_confidence) out.push_back(at::empty_like(out[0]));
  const cudaError_t launched = LaunchFusedLabels(
      input.data_ptr<float>(), shape, out[0].data_ptr<uint8_t>(),
      want_confidence ? out[1].data_ptr<uint8_t>() : nullptr,
      c10::cuda::getCurrentCUDAStream(input.device().index()).stream());
  if (launched != cudaSuccess) {
    throw std::runtime_error(std::string("label kernel: ") +
                             cudaGetErrorString(launched));
  }
  return out;
}

}  // namespace tessera::worker
