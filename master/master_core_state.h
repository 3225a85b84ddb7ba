// The master core's per-frame and per-stream state, shared by its .cc files
// (master_core.cc: workers, results, dispatch, delivery; master_streams.cc:
// streams and frame intake). Not part of any interface.
#ifndef TESSERA_MASTER_MASTER_CORE_STATE_H_
#define TESSERA_MASTER_MASTER_CORE_STATE_H_

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "master/dvs_policy.h"
#include "master/master_core.h"

namespace tessera::master {

struct MasterCore::PendingFrame {
  enum class State { kWorking, kDone, kDropped, kFailed };
  State state = State::kWorking;
  uint64_t seq = 0;  // position in the stream, assigned on acceptance
  uint64_t index = 0;
  absl::Time arrival;
  std::vector<Region> regions;
  std::vector<EncodedImage> payloads;  // one per region, freed when done
  std::vector<RegionLabels> results;
  std::vector<RegionStat> stats;
  int remaining = 0;     // regions without a result
  int undispatched = 0;  // regions never sent to any worker
  Size size;
  LabelMap mask;
  absl::Status error;
  std::string drop_reason;
  std::shared_ptr<const Image> input;
  int key_transfers = 0;
  double split_ms = 0;   // decoding, cutting and encoding, at intake
  double stitch_ms = 0;  // stitching the region labels
};

struct MasterCore::StreamState {
  StreamHandle handle;
  std::shared_ptr<ClientLink> link;
  std::deque<std::shared_ptr<PendingFrame>> frames;  // accepted, undelivered
  uint64_t next_seq = 0;
  std::optional<uint64_t> last_index;
  bool input_closed = false;
  bool paused = false;
  uint64_t dropped = 0;
  RegionThresholds thresholds;

  int working() const { return CountIf(PendingFrame::State::kWorking); }
  // Frames held against the stream's bound: accepted, not yet delivered, and
  // not mere placeholders of dropped frames.
  int held() const {
    return static_cast<int>(frames.size()) -
           CountIf(PendingFrame::State::kDropped);
  }
  int CountIf(PendingFrame::State state) const {
    return static_cast<int>(
        std::count_if(frames.begin(), frames.end(),
                      [state](const auto& f) { return f->state == state; }));
  }
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_MASTER_CORE_STATE_H_
