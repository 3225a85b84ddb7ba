// Defaults of DVS shared by the master and the tools that stand in for it
// (tessera-bench's engines), so that their runs compare.
#ifndef TESSERA_COMMON_DVS_DEFAULTS_H_
#define TESSERA_COMMON_DVS_DEFAULTS_H_

namespace tessera {

// No region is warped from a key older than this (frames). The decision
// network predicts the share of agreeing pixels, which stays high while a
// carried warp slowly loses thin objects (poles, people) that mIoU weighs
// as much as the road, so at the default threshold the cap, not the
// network, decides how many regions are warped. On six generated clips
// (2026-12-05, one worker pinned, threshold 90, warp radius 3) a cap of 3
// lost 1.8-2.5 mIoU points at 3.0-3.1x the throughput of segmenting
// everything where 4 lost 1.9-4.0 at 3.6x (with the radius of 5 that
// followed: 1.7-2.4 at 3.1x); on the dashcam clip pixel agreement at 90
// stayed above 96.6 % (BENCHMARKS.md, "Keys at most three frames old,
// poles left where the flow puts them"). Earlier the same day, with the warp of
// then, a cap of 12 had lost 6.2 points at 4.4x on one of those clips ("Keys at
// most four frames old").
inline constexpr int kDefaultMaxKeyAge = 3;

}  // namespace tessera

#endif  // TESSERA_COMMON_DVS_DEFAULTS_H_
