#include "common/allocator_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tessera {

void KeepLargeAllocations() {
#if defined(__GLIBC__)
  // Serve blocks up to 1 GiB from the heap and trim it only past 2 GiB of
  // free space at its top: steady-state inference then reuses its buffers.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}

}  // namespace tessera
