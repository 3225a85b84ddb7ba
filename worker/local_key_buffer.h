// The worker's local key buffer (ICCD 2019): for each (stream, region) the
// newest key this worker holds, whether it segmented the region itself or
// the master forwarded the key, and beside it the newest frame the worker
// warped from that key (its carried frame: a later warp can start there and
// follow one frame of motion instead of all since the key). Bounded; the
// least recently used region goes first when it is full. Not thread-safe
// (RegionProcessor guards it with its mutex).
//
//   LocalKeyBuffer keys(/*capacity=*/64);
//   keys.Offer("cam#1", 2, std::make_shared<KeyFrame>(...));
//   std::shared_ptr<const KeyFrame> key = keys.Find("cam#1", 2);
//   keys.Carry("cam#1", 2, key->frame_index, warped_frame);
#ifndef TESSERA_WORKER_LOCAL_KEY_BUFFER_H_
#define TESSERA_WORKER_LOCAL_KEY_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/image.h"
#include "worker/decision_features.h"

namespace tessera::worker {

// A region at the frame where it was segmented, with what the segmentation
// path said there; or, carried, at a later frame with the labels warped
// there from such a key (inside the flow path's window; outside it, those
// of the frame warped from: worker/flow_window.h).
struct KeyFrame {
  uint64_t frame_index = 0;
  Image image;       // RGB region
  LabelMap labels;   // class ids
  Image confidence;  // 0..255 winning-class probability
  WarpChain chain;   // carried: the warps from the key to here
};

class LocalKeyBuffer {
 public:
  explicit LocalKeyBuffer(size_t capacity) : capacity_(capacity) {}

  // Keeps `key` unless the buffer holds a newer key for the region (a later
  // frame index). Returns whether it was kept. A key other than the one held
  // drops the region's carried frame, which came from the old one.
  bool Offer(const std::string& stream, int region,
             std::shared_ptr<const KeyFrame> key);
  // nullptr when no key is held.
  std::shared_ptr<const KeyFrame> Find(const std::string& stream, int region);

  // Keeps `carried`, a frame warped from the region's key of frame
  // `key_frame`, unless that key is no longer held or the region's carried
  // frame is newer. Returns whether it was kept.
  bool Carry(const std::string& stream, int region, uint64_t key_frame,
             std::shared_ptr<const KeyFrame> carried);
  // The region's carried frame, nullptr when none (it always comes from the
  // key Find returns).
  std::shared_ptr<const KeyFrame> FindCarried(const std::string& stream,
                                              int region) const;

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
    std::shared_ptr<const KeyFrame> carried;
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
