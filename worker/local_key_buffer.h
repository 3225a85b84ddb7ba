// The worker's local key buffer (ICCD 2019): for each (stream, region) the
// newest key this worker holds, whether it segmented the region itself or
// the master forwarded the key. Bounded; the least recently used key goes
// first when it is full. Not thread-safe (the worker's one inference thread
// owns it).
//
//   LocalKeyBuffer keys(/*capacity=*/64);
//   keys.Offer("cam#1", 2, std::make_shared<KeyFrame>(...));
//   std::shared_ptr<const KeyFrame> key = keys.Find("cam#1", 2);
#ifndef TESSERA_WORKER_LOCAL_KEY_BUFFER_H_
#define TESSERA_WORKER_LOCAL_KEY_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/image.h"

namespace tessera::worker {

// A region at the frame where it was segmented, with what the segmentation
// path said there.
struct KeyFrame {
  uint64_t frame_index = 0;
  Image image;       // RGB region
  LabelMap labels;   // class ids
  Image confidence;  // 0..255 winning-class probability
};

class LocalKeyBuffer {
 public:
  explicit LocalKeyBuffer(size_t capacity) : capacity_(capacity) {}

  // Keeps `key` unless the buffer holds a newer key for the region (a later
  // frame index). Returns whether it was kept.
  bool Offer(const std::string& stream, int region,
             std::shared_ptr<const KeyFrame> key);
  // nullptr when no key is held.
  std::shared_ptr<const KeyFrame> Find(const std::string& stream, int region);

  size_t size() const { return keys_.size(); }
  size_t capacity() const { return capacity_; }
  // Keys dropped to make room so far. The master does not see evictions: a
  // region whose key went is segmented when next asked, so a count that
  // keeps growing means --key_capacity is below the regions in play.
  uint64_t evictions() const { return evictions_; }

 private:
  using Slot = std::pair<std::string, int>;
  struct Entry {
    std::shared_ptr<const KeyFrame> key;
    uint64_t last_used = 0;
  };
  void EvictIfFull();

  size_t capacity_;
  uint64_t clock_ = 0;
  uint64_t evictions_ = 0;
  std::map<Slot, Entry> keys_;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_LOCAL_KEY_BUFFER_H_
