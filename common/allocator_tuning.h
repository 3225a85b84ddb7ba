// Keeps large freed buffers in the process instead of returning them to the
// kernel. Every region allocates several multi-megabyte tensors and images;
// with glibc's defaults each one is a fresh mmap whose pages fault in again,
// which made a region's segmentation up to 10x slower than its arithmetic
// (bench/segmenter_bench).
//
//   int main() { tessera::KeepLargeAllocations(); ... }
#ifndef TESSERA_COMMON_ALLOCATOR_TUNING_H_
#define TESSERA_COMMON_ALLOCATOR_TUNING_H_

namespace tessera {

// Call once, early in main(). Harmless where glibc is not the allocator.
void KeepLargeAllocations();

}  // namespace tessera

#endif  // TESSERA_COMMON_ALLOCATOR_TUNING_H_
