// A CUDA stream of one batch's own, so that two batches on one GPU overlap:
// while one runs its kernels, the other copies its pixels in or its labels
// out. Only with a CUDA LibTorch (worker/CMakeLists.txt picks the file); in
// the CPU build there is no stream and both classes do nothing.
//
// Includes nothing of LibTorch.
//
//   DeviceStream stream(/*device_index=*/0);
//   {
//     DeviceStream::Current on_it(stream);  // this thread's GPU work goes
//     ...                                   // to `stream` until scope end
//     stream.Synchronize();
//   }
#ifndef TESSERA_WORKER_CUDA_STREAM_H_
#define TESSERA_WORKER_CUDA_STREAM_H_

#include <memory>

namespace tessera::worker {

class DeviceStream {
 public:
  // A stream of LibTorch's pool on CUDA device `device_index`.
  explicit DeviceStream(int device_index);
  ~DeviceStream();
  DeviceStream(const DeviceStream&) = delete;
  DeviceStream& operator=(const DeviceStream&) = delete;

  // Waits until everything queued on the stream has run.
  void Synchronize();

  // While alive, the calling thread's LibTorch work for the stream's device
  // is queued on the stream.
  class Current {
   public:
    explicit Current(DeviceStream& stream);
    ~Current();
    Current(const Current&) = delete;
    Current& operator=(const Current&) = delete;

   private:
    struct Guard;
    std::unique_ptr<Guard> guard_;
  };

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_CUDA_STREAM_H_
