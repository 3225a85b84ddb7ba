// What the master core says to the outside world: a WorkerLink per registered
// worker and a ClientLink per open stream. The gRPC adapter implements them on
// top of its reactors; tests implement them with plain vectors.
//
// MasterCore calls links while holding its own mutex, so an implementation
// must only queue what it is given and return: it must never block, and never
// call back into MasterCore from inside these methods.
#ifndef TESSERA_MASTER_LINKS_H_
#define TESSERA_MASTER_LINKS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/image.h"
#include "common/image_codec.h"
#include "common/region_timings.h"
#include "master/scheduler.h"

namespace tessera::master {

// Encoded pixels shared between the frame that owns them and every task that
// carries them (a requeued region is sent again without re-encoding).
struct EncodedImage {
  std::shared_ptr<const std::string> bytes;
  Encoding encoding = Encoding::kRaw;
  int width = 0;
  int height = 0;
  int channels = 0;
};

// A region's key as the master keeps and forwards it: the region's pixels
// at the frame where it was segmented and the worker's answer there, all as
// they travelled (nothing is re-encoded).
struct StoredKey {
  uint64_t frame_index = 0;  // the client's index
  EncodedImage image;
  EncodedImage labels;
  EncodedImage confidence;
  size_t bytes() const {
    size_t total = 0;
    for (const EncodedImage* part : {&image, &labels, &confidence}) {
      if (part->bytes) total += part->bytes->size();
    }
    return total;
  }
};

// What the worker may do with a region (RegionPolicy on the wire).
struct TaskPolicy {
  bool allow_flow = false;
  float threshold = 90;
  int max_key_age = 0;
  bool keep_key = false;
};

struct TaskMessage {
  TaskId task = 0;
  std::string stream_id;
  uint64_t frame_index = 0;  // the client's index
  int region_id = 0;
  EncodedImage image;
  bool want_confidence = false;
  Encoding label_encoding = Encoding::kPng;
  TaskPolicy policy;
  std::shared_ptr<const StoredKey> key;  // forwarded with the task, or null
  // The part of the region stitched into the frame, in the region's pixels
  // (its core under crop-halo stitching); empty: all of it.
  Rect stitched;
};

enum class RegionPath { kUnspecified, kSegmentation, kFlow };

struct RegionStat {
  int region_id = 0;
  std::string worker;
  RegionPath path = RegionPath::kUnspecified;
  double compute_ms = 0;
  double round_trip_ms = 0;  // dispatch to result, at the master
  int attempts = 0;
  float score = -1;   // the decision network's, when asked
  int key_age = 0;    // flow path: frames since the warped key
  int warp_span = 0;  // flow path: frames since the frame it warped from
  int64_t key_bytes_sent = 0;  // key forwarded with the region's tasks
  RegionTimings timings;       // the worker's, step by step
};

struct FrameStats {
  double latency_ms = 0;
  std::vector<RegionStat> regions;
  int queued_frames = 0;
  uint64_t dropped_frames_total = 0;
  int segmented_regions = 0;
  int warped_regions = 0;
  int key_transfers = 0;
  int64_t key_bytes = 0;
  double split_ms = 0;   // the master's: decode, cut and encode the regions
  double stitch_ms = 0;  // the master's: stitch (the mask's encoding is added
                         // where it is encoded, proto_convert.cc)
};

// One per accepted frame, in the order the frames were sent.
struct FrameOutcome {
  enum class Kind { kMask, kDropped, kError };
  Kind kind = Kind::kMask;
  uint64_t index = 0;
  LabelMap mask;                       // kMask
  FrameStats stats;                    // kMask
  std::string drop_reason;             // kDropped
  absl::Status error;                  // kError
  std::shared_ptr<const Image> frame;  // the input, when kept for overlays
};

// A worker's place in a pipelined network (StagePlan on the wire); an
// empty plan_id releases it.
struct StagePlanMessage {
  std::string plan_id;
  std::vector<std::string> cuts;
  int stage = 0;
  int stages = 0;
  std::string next_address;  // empty for the last stage
  bool wire_fp16 = true;     // activations travel in fp16
};

class WorkerLink {
 public:
  virtual ~WorkerLink() = default;
  virtual void SendTask(const TaskMessage& task) = 0;
  virtual void SendPlan(const StagePlanMessage& plan) = 0;
  // Ends the worker's connection with `reason` (e.g. a protocol violation).
  virtual void Close(const absl::Status& reason) = 0;
};

class ClientLink {
 public:
  virtual ~ClientLink() = default;
  virtual void Deliver(FrameOutcome outcome) = 0;
  // Back-pressure released: the stream may submit frames again.
  virtual void ResumeReading() = 0;
  // Every frame was delivered after the client finished sending, or the
  // stream failed: no more calls follow.
  virtual void Finish(const absl::Status& status) = 0;
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_LINKS_H_
