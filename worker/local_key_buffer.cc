#include "worker/local_key_buffer.h"

#include <algorithm>

namespace tessera::worker {

bool LocalKeyBuffer::Offer(const std::string& stream, int region,
                           std::shared_ptr<const KeyFrame> key) {
  if (key == nullptr || capacity_ == 0) return false;
  const Slot slot{stream, region};
  auto it = keys_.find(slot);
  if (it != keys_.end()) {
    if (it->second.key->frame_index > key->frame_index) return false;
    it->second = {std::move(key), ++clock_};
    return true;
  }
  EvictIfFull();
  keys_[slot] = {std::move(key), ++clock_};
  return true;
}

std::shared_ptr<const KeyFrame> LocalKeyBuffer::Find(const std::string& stream,
                                                     int region) {
  auto it = keys_.find({stream, region});
  if (it == keys_.end()) return nullptr;
  it->second.last_used = ++clock_;
  return it->second.key;
}

void LocalKeyBuffer::EvictIfFull() {
  if (keys_.size() < capacity_) return;
  auto oldest = std::min_element(
      keys_.begin(), keys_.end(), [](const auto& a, const auto& b) {
        return a.second.last_used < b.second.last_used;
      });
  keys_.erase(oldest);
  ++evictions_;
}

}  // namespace tessera::worker
