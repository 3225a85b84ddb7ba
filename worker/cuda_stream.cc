// cuda_stream.h with a CUDA LibTorch.
#include "worker/cuda_stream.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

namespace tessera::worker {

struct DeviceStream::Impl {
  c10::cuda::CUDAStream stream;
};

struct DeviceStream::Current::Guard {
  explicit Guard(const c10::cuda::CUDAStream& stream) : guard(stream) {}
  c10::cuda::CUDAStreamGuard guard;  // neither copied nor moved
};

DeviceStream::DeviceStream(int device_index)
    : impl_(std::make_unique<Impl>(Impl{c10::cuda::getStreamFromPool(
          /*isHighPriority=*/false,
          static_cast<c10::DeviceIndex>(device_index))})) {}

DeviceStream::~DeviceStream() = default;

void DeviceStream::Synchronize() { impl_->stream.synchronize(); }

DeviceStream::Current::Current(DeviceStream& stream)
    : guard_(std::make_unique<Guard>(stream.impl_->stream)) {}

DeviceStream::Current::~Current() = default;

}  // namespace tessera::worker
