// The master's side of DVSNet's keys (ICCD 2019): the global key buffer (the
// newest key of every region: its pixels and its segmentation) and the key
// table (which key timestep each worker holds for each region). It decides
// when a task must carry the newest key, and outlives any worker: a region's
// key survives the loss of the worker that made it.
//
// Pure bookkeeping, no locking: MasterCore guards it with its mutex.
//
//   KeyStore keys;
//   keys.OnSegmented(worker, {stream, region}, key);        // a result came
//   if (auto key = keys.KeyToForward(other, slot, frame, /*gap=*/0)) ...
#ifndef TESSERA_MASTER_KEY_STORE_H_
#define TESSERA_MASTER_KEY_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "master/links.h"
#include "master/scheduler.h"

namespace tessera::master {

struct KeySlot {
  StreamId stream = 0;
  int region = 0;
  friend bool operator<(const KeySlot& a, const KeySlot& b) {
    return a.stream != b.stream ? a.stream < b.stream : a.region < b.region;
  }
};

class KeyStore {
 public:
  // `worker` segmented the slot at `key->frame_index` (it keeps that key
  // locally). The key becomes the slot's newest unless a newer one is known.
  void OnSegmented(WorkerId worker, const KeySlot& slot,
                   std::shared_ptr<const StoredKey> key);

  // The key to send with a task for frame `frame_index` of the slot to
  // `worker`, or nullptr when its own copy will do: it is sent when the
  // worker holds no key for the slot, or when the frame is more than
  // `key_gap` frames after the worker's key and a newer key exists. A key
  // returned is recorded as held by the worker.
  std::shared_ptr<const StoredKey> KeyToForward(WorkerId worker,
                                                const KeySlot& slot,
                                                uint64_t frame_index,
                                                int key_gap);

  // Whether the worker holds the slot's newest key (for key affinity).
  bool HoldsNewest(WorkerId worker, const KeySlot& slot) const;
  // The frame index of the key the worker holds, per the key table.
  std::optional<uint64_t> Held(WorkerId worker, const KeySlot& slot) const;
  std::shared_ptr<const StoredKey> Newest(const KeySlot& slot) const;

  // The worker left: its key table row goes, the keys stay.
  void RemoveWorker(WorkerId worker);
  void RemoveStream(StreamId stream);

  size_t key_count() const { return newest_.size(); }
  size_t bytes() const;

 private:
  std::map<KeySlot, std::shared_ptr<const StoredKey>> newest_;
  std::map<WorkerId, std::map<KeySlot, uint64_t>> table_;
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_KEY_STORE_H_
