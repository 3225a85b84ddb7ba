#include "worker/local_key_buffer.h"

#include <algorithm>

namespace tessera::worker {

bool LocalKeyBuffer::Offer(const std::string& stream, int region,
                           std::shared_ptr<const KeyFrame> key) {
  if (key == nullptr || capacity_ == 0) return false;
  const Slot slot{stream, region};
  auto it = keys_.find(slot);
  if (it != keys_.end()) {
    Entry& entry = it->second;
    if (entry.key->frame_index > key->frame_index) return false;
    // The master forwards a key again when its copy here looked too old to
    // it; the same frame's key leaves what was carried from it valid.
    if (entry.key->frame_index != key->frame_index) entry.carried = nullptr;
    entry.key = std::move(key);
    entry.last_used = ++clock_;
    return true;
  }
  EvictIfFull();
  keys_[slot] = {std::move(key), nullptr, ++clock_};
  return true;
}

bool LocalKeyBuffer::Carry(const std::string& stream, int region,
                           uint64_t key_frame,
                           std::shared_ptr<const KeyFrame> carried) {
  if (carried == nullptr) return false;
  auto it = keys_.find({stream, region});
  if (it == keys_.end()) return false;
  Entry& entry = it->second;
  if (entry.key->frame_index != key_frame ||
      carried->frame_index <= key_frame) {
    return false;
  }
  if (entry.carried != nullptr &&
      entry.carried->frame_index > carried->frame_index) {
    return false;
  }
  entry.carried = std::move(carried);
  return true;
}

std::shared_ptr<const KeyFrame> LocalKeyBuffer::FindCarried(
    const std::string& stream, int region) const {
  auto it = keys_.find({stream, region});
  return it == keys_.end() ? nullptr : it->second.carried;
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
