// cuda_stream.h for a LibTorch without CUDA: there is no stream to use.
#include "worker/cuda_stream.h"

namespace tessera::worker {

struct DeviceStream::Impl {};
struct DeviceStream::Current::Guard {};

DeviceStream::DeviceStream(int /*device_index*/) {}
DeviceStream::~DeviceStream() = default;
void DeviceStream::Synchronize() {}

DeviceStream::Current::Current(DeviceStream& /*stream*/) {}
DeviceStream::Current::~Current() = default;

}  // namespace tessera::worker
