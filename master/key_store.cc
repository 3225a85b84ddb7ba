#include "master/key_store.h"

#include <utility>

namespace tessera::master {

void KeyStore::OnSegmented(WorkerId worker, const KeySlot& slot,
                           std::shared_ptr<const StoredKey> key) {
  const uint64_t frame = key->frame_index;
  // The worker keeps the newer of its old key and this one.
  uint64_t& held = table_[worker].try_emplace(slot, frame).first->second;
  held = std::max(held, frame);
  auto& newest = newest_[slot];
  if (newest == nullptr || newest->frame_index <= frame) {
    newest = std::move(key);
  }
}

std::shared_ptr<const StoredKey> KeyStore::KeyToForward(WorkerId worker,
                                                        const KeySlot& slot,
                                                        uint64_t frame_index,
                                                        int key_gap) {
  auto newest = newest_.find(slot);
  if (newest == newest_.end()) return nullptr;
  const uint64_t newest_frame = newest->second->frame_index;
  auto& row = table_[worker];
  auto held = row.find(slot);
  if (held != row.end()) {
    if (held->second >= newest_frame) return nullptr;
    const uint64_t gap =
        frame_index > held->second ? frame_index - held->second : 0;
    if (gap <= static_cast<uint64_t>(std::max(0, key_gap))) return nullptr;
  }
  row[slot] = newest_frame;
  return newest->second;
}

bool KeyStore::HoldsNewest(WorkerId worker, const KeySlot& slot) const {
  auto newest = newest_.find(slot);
  std::optional<uint64_t> held = Held(worker, slot);
  return newest != newest_.end() && held &&
         *held >= newest->second->frame_index;
}

std::optional<uint64_t> KeyStore::Held(WorkerId worker,
                                       const KeySlot& slot) const {
  auto row = table_.find(worker);
  if (row == table_.end()) return std::nullopt;
  auto held = row->second.find(slot);
  if (held == row->second.end()) return std::nullopt;
  return held->second;
}

std::shared_ptr<const StoredKey> KeyStore::Newest(const KeySlot& slot) const {
  auto it = newest_.find(slot);
  return it == newest_.end() ? nullptr : it->second;
}

void KeyStore::RemoveWorker(WorkerId worker) { table_.erase(worker); }

void KeyStore::RemoveStream(StreamId stream) {
  auto in_stream = [stream](const KeySlot& slot) {
    return slot.stream == stream;
  };
  for (auto it = newest_.begin(); it != newest_.end();) {
    it = in_stream(it->first) ? newest_.erase(it) : std::next(it);
  }
  for (auto& [worker, row] : table_) {
    for (auto it = row.begin(); it != row.end();) {
      it = in_stream(it->first) ? row.erase(it) : std::next(it);
    }
  }
}

size_t KeyStore::bytes() const {
  size_t total = 0;
  for (const auto& [slot, key] : newest_) total += key->bytes();
  return total;
}

}  // namespace tessera::master
