// The worker's unit of work, free of transport: decode a region task's
// pixels, choose the path (DVSNet: warp the region's key along optical flow
// when the decision network trusts it, else segment and renew the key),
// encode the labels for the trip back. Keeps the local key buffer.
//
//   RegionProcessor processor(*segmenter, limits, &flow_path);
//   ASSIGN_OR_RETURN(RegionResultOut out, processor.Process(task));
#ifndef TESSERA_WORKER_REGION_PROCESSOR_H_
#define TESSERA_WORKER_REGION_PROCESSOR_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/image.h"
#include "common/image_codec.h"
#include "common/region_timings.h"
#include "worker/flow_path.h"
#include "worker/local_key_buffer.h"
#include "worker/segmenter.h"

namespace tessera::worker {

// Pixels as they arrived, with what the message declared about them.
struct EncodedView {
  std::string_view bytes;
  Encoding encoding = Encoding::kRaw;
  ImageExpectation declared;
};

// A key forwarded by the master.
struct KeyIn {
  uint64_t frame_index = 0;
  EncodedView image;
  EncodedView labels;
  EncodedView confidence;
};

struct RegionPolicyIn {
  bool allow_flow = false;
  float threshold = 90;  // percent
  int max_key_age = 0;   // frames; a key older than this is never warped
  bool keep_key = false;
};

struct RegionTaskIn {
  uint64_t task = 0;
  std::string stream;  // with `region`, names the key slot
  int region = 0;
  uint64_t frame_index = 0;
  std::string_view image_bytes;
  Encoding encoding = Encoding::kRaw;
  ImageExpectation declared;  // width/height/channels from the message
  bool want_confidence = false;
  Encoding label_encoding = Encoding::kRaw;
  RegionPolicyIn policy;
  std::optional<KeyIn> key;
  // The part of the region the master stitches, in its pixels; empty: all
  // of it. The flow path works on it and a margin (FlowPath::WindowFor).
  Rect stitched;
};

struct RegionResultOut {
  uint64_t task = 0;
  int width = 0;
  int height = 0;
  Encoding label_encoding = Encoding::kRaw;
  std::string labels;
  std::string confidence;        // empty unless asked for or a key was kept
  double compute_ms = 0;         // decode + path + encode
  RegionTimings timings;         // compute_ms, step by step
  bool flow_path = false;        // warped, from the key or a carried frame
  float score = -1;              // decision network score, -1 when not asked
  uint64_t key_frame_index = 0;  // flow path: the key's frame
  // Flow path: the frame warped from, the key's or a later one the warp
  // was carried to (FlowPath::carries_warps). A carried frame more than
  // one frame back (the frames between went to another worker) is still
  // used; the network only learned one-frame steps, but the step's own
  // flow features show the longer motion.
  uint64_t warped_from_frame_index = 0;
};

class RegionProcessor {
 public:
  // Without a flow path every region is segmented and no key is kept.
  RegionProcessor(Segmenter& segmenter, DecodeLimits limits,
                  FlowPath* flow_path = nullptr, size_t key_capacity = 64);

  // INVALID_ARGUMENT / RESOURCE_EXHAUSTED for bad pixels (the region's or a
  // forwarded key's, from the decoder), INTERNAL when a network fails.
  absl::StatusOr<RegionResultOut> Process(const RegionTaskIn& task);
  // The same for several tasks, in order: each is decoded and offered the
  // flow path on its own, then the regions left to segment go to the
  // segmenter together (Segmenter::SegmentBatch). Each task gets the same
  // result as Process would give it; one bad task fails only itself.
  std::vector<absl::StatusOr<RegionResultOut>> ProcessBatch(
      const std::vector<const RegionTaskIn*>& tasks);

  bool has_flow_path() const { return flow_path_ != nullptr; }
  // The local key buffer, for a caller that runs no batch meanwhile (tests).
  LocalKeyBuffer& keys() ABSL_NO_THREAD_SAFETY_ANALYSIS { return keys_; }
  size_t key_capacity() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return keys_.capacity();  // fixed at construction
  }
  uint64_t key_evictions() {
    absl::MutexLock lock(&mu_);
    return keys_.evictions();
  }

 private:
  // A decoded region the flow path did not take, waiting for segmentation.
  struct ToSegment {
    size_t index = 0;  // in the batch
    std::chrono::steady_clock::time_point start;
    Image region;
    RegionTimings timings;
    float score = -1;
    bool keep_key = false;
    bool with_confidence = false;
  };
  // Decodes the task's region (and key) and tries the flow path: a warped
  // result goes to `warped` and nothing is returned; else the region to
  // segment.
  absl::StatusOr<std::optional<ToSegment>> Prepare(
      const RegionTaskIn& task, absl::StatusOr<RegionResultOut>& warped);
  // Segments every region of `to_segment` in one SegmentBatch call and
  // finishes their tasks' results; empties it.
  void SegmentAll(const std::vector<const RegionTaskIn*>& tasks,
                  std::vector<ToSegment>& to_segment,
                  std::vector<absl::StatusOr<RegionResultOut>>& results);
  // Encodes a segmented region's result and keeps it as the region's key.
  absl::StatusOr<RegionResultOut> Finish(const RegionTaskIn& task,
                                         ToSegment& pending,
                                         Segmentation segmentation);
  absl::Status InstallKey(const RegionTaskIn& task, Size region);
  struct FlowAttempt {
    // The flow path's result when the region's key may be used and the
    // decision network trusts it; empty when the region must be segmented.
    std::optional<RegionResultOut> warped;
    float score = -1;  // the decision network's, when it was asked
  };
  // Adds the flow path's steps to `timings`.
  absl::StatusOr<FlowAttempt> TryFlowPath(const RegionTaskIn& task,
                                          const Image& region,
                                          RegionTimings& timings);
  absl::Status Encode(const RegionTaskIn& task, const LabelMap& labels,
                      const Image& confidence, bool with_confidence,
                      RegionResultOut& out) const;

  Segmenter& segmenter_;
  DecodeLimits limits_;
  FlowPath* flow_path_;
  // Batches may come from several threads. They take turns, except while
  // a segmenter that allows it (Segmenter::concurrent_batches: the head of
  // a pipeline, whose batches mostly wait on other workers) runs one: then
  // the next batch is prepared meanwhile. Its regions may then warp from a
  // key a little older than the one the running batch is about to make,
  // never from one the master's policy does not allow.
  absl::Mutex mu_;
  LocalKeyBuffer keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_REGION_PROCESSOR_H_
