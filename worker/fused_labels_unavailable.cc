// The CPU build: no CUDA, no kernel (worker/fused_labels.h).
#include <stdexcept>

#include "worker/fused_labels.h"

namespace tessera::worker {

bool FusedLabelsBuiltIn() { return false; }

std::vector<at::Tensor> FusedLabels(const at::Tensor&, int, int, int, int,
                                    bool) {
  throw std::runtime_error("this build has no CUDA label kernel");
}

}  // namespace tessera::worker
