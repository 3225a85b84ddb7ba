// A region's labels from its class scores in one CUDA kernel: bilinear
// upsampling to the region's size (as at::upsample_bilinear2d with
// align_corners=false computes it), the crop of any padding, the winning
// class and, if wanted, its probability in 0..255. The kernel reads the
// scores at the network's output stride and writes one or two bytes per
// pixel; the ATen ops it replaces write and read every class's score at
// full size (for a 1088x576 region of 11 classes, 28 MB in fp32), which is
// what bounds large regions on a GPU. Only with a CUDA LibTorch
// (worker/CMakeLists.txt picks the file); the CPU build has none.
//
// Includes LibTorch: include it from .cc files only.
//
//   if (FusedLabelsBuiltIn() && scores.is_cuda())
//     labelled = FusedLabels(scores, padded_h, padded_w, h, w, true);
#ifndef TESSERA_WORKER_FUSED_LABELS_H_
#define TESSERA_WORKER_FUSED_LABELS_H_

#include <ATen/Tensor.h>

#include <vector>

namespace tessera::worker {

// Whether this build has the kernel.
bool FusedLabelsBuiltIn();

// `scores`: [N, C, h, w] on a CUDA device, any floating type, any layout.
// Upsampled to out_h x out_w, then the top-left crop_h x crop_w kept:
// {labels} or {labels, confidence}, uint8 [N, crop_h, crop_w] on the same
// device, queued on the current stream (capturable in a CUDA graph).
// Throws std::runtime_error where the build has no kernel.
std::vector<at::Tensor> FusedLabels(const at::Tensor& scores, int out_h,
                                    int out_w, int crop_h, int crop_w,
                                    bool want_confidence);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_FUSED_LABELS_H_
