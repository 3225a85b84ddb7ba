#include "common/allocator_tuning.h"

#include <climits>
#include <cstdlib>  // defines __GLIBC__ where glibc is the C library

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tessera {

void KeepLargeAllocations() {
#if defined(__GLIBC__)
  // Never mmap (every large block comes from the heap), and shrink the
  // heap only past 2 GiB free at its top: steady-state inference then
  // reuses its buffers instead of faulting in fresh pages per region.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

}  // namespace tessera
