// Where a worker's time on one region went (RegionTimings on the wire), kept
// per region by the worker, forwarded by the master in the frame's stats and
// summed by tessera-bench into the paper's Figure 6.
#ifndef TESSERA_COMMON_REGION_TIMINGS_H_
#define TESSERA_COMMON_REGION_TIMINGS_H_

namespace tessera {

struct RegionTimings {
  double decode_ms = 0;  // the region's pixels and any forwarded key
  double segmentation_ms = 0;
  double flow_ms = 0;      // optical flow, and the warp when taken
  double decision_ms = 0;  // the decision network's features and score
  double encode_ms = 0;    // labels (and confidence) for the trip back

  double total_ms() const {
    return decode_ms + segmentation_ms + flow_ms + decision_ms + encode_ms;
  }
  RegionTimings& operator+=(const RegionTimings& other) {
    decode_ms += other.decode_ms;
    segmentation_ms += other.segmentation_ms;
    flow_ms += other.flow_ms;
    decision_ms += other.decision_ms;
    encode_ms += other.encode_ms;
    return *this;
  }
};

}  // namespace tessera

#endif  // TESSERA_COMMON_REGION_TIMINGS_H_
