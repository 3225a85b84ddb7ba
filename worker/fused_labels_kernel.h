// The launcher of worker/fused_labels_kernel.cu, free of LibTorch so that
// nvcc compiles the kernel without its headers. Scores are fp32, NCHW,
// contiguous; `confidence` may be null.
#ifndef TESSERA_WORKER_FUSED_LABELS_KERNEL_H_
#define TESSERA_WORKER_FUSED_LABELS_KERNEL_H_

#include <cuda_runtime_api.h>

#include <cstdint>

namespace tessera::worker {

struct FusedLabelsShape {
  int batch = 0;
  int classes = 0;
  int in_h = 0;
  int in_w = 0;
  float scale_h = 1;  // in_h / upsampled height, as ATen computes it
  float scale_w = 1;
  int crop_h = 0;
  int crop_w = 0;
};

cudaError_t LaunchFusedLabels(const float* scores,
                              const FusedLabelsShape& shape, uint8_t* labels,
                              uint8_t* confidence, cudaStream_t stream);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_FUSED_LABELS_KERNEL_H_
