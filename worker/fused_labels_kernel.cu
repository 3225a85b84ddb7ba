#include <math.h>

#include "worker/fused_labels_kernel.h"

namespace tessera::worker {
namespace {

// ATen's area_pixel_compute_source_index for align_corners=false.
__device__ __forceinline__ float SourceIndex(float scale, int dst) {
  const float src = scale * (static_cast<float>(dst) + 0.5f) - 0.5f;
  return src < 0.f ? 0.f : src;
}

// One thread per output pixel: every class's score interpolated from the
// four neighbours at the network's stride, in the order ATen's bilinear
// kernel sums them, so that the winner is the one the ATen ops pick.
__global__ void FusedLabelsKernel(const float* __restrict__ scores,
                                  FusedLabelsShape shape,
                                  uint8_t* __restrict__ labels,
                                  uint8_t* __restrict__ confidence) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  const int n = blockIdx.z;
  if (x >= shape.crop_w || y >= shape.crop_h) return;
  const float hr = SourceIndex(shape.scale_h, y);
  const int h1 = static_cast<int>(hr);
  const int h1p = h1 < shape.in_h - 1 ? shape.in_w : 0;
  const float h1lambda = hr - h1;
  const float h0lambda = 1.f - h1lambda;
  const float wr = SourceIndex(shape.scale_w, x);
  const int w1 = static_cast<int>(wr);
  const int w1p = w1 < shape.in_w - 1 ? 1 : 0;
  const float w1lambda = wr - w1;
  const float w0lambda = 1.f - w1lambda;
  const size_t plane = static_cast<size_t>(shape.in_h) * shape.in_w;
  const float* at = scores + static_cast<size_t>(n) * shape.classes * plane +
                    static_cast<size_t>(h1) * shape.in_w + w1;
  auto value = [&](int c) {
    const float* p = at + c * plane;
    return h0lambda * (w0lambda * p[0] + w1lambda * p[w1p]) +
           h1lambda * (w0lambda * p[h1p] + w1lambda * p[h1p + w1p]);
  };
  float best = value(0);
  int winner = 0;
  for (int c = 1; c < shape.classes; ++c) {
    const float v = value(c);
    if (v > best) {
      best = v;
      winner = c;
    }
  }
  const size_t out = (static_cast<size_t>(n) * shape.crop_h + y) * shape.crop_w + x;
  labels[out] = static_cast<uint8_t>(winner);
  if (confidence != nullptr) {
    // The winner's probability: 1 / sum(exp(v - best)).
    float sum = 0.f;
    for (int c = 0; c < shape.classes; ++c) sum += expf(value(c) - best);
    confidence[out] = static_cast<uint8_t>(rintf(255.f / sum));
  }
}

}  // namespace

cudaError_t LaunchFusedLabels(const float* scores, const FusedLabelsShape& shape,
                              uint8_t* labels, uint8_t* confidence,
                              cudaStream_t stream) {
  const dim3 block(32, 8);
  const dim3 grid((shape.crop_w + block.x - 1) / block.x,
                  (shape.crop_h + block.y - 1) / block.y, shape.batch);
  FusedLabelsKernel<<<grid, block, 0, stream>>>(scores, shape, labels,
                                                confidence);
  return cudaGetLastError();
}

}  // namespace tessera::worker
