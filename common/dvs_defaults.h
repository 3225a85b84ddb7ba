// Defaults of DVS shared by the master and the tools that stand in for it
// (tessera-bench's engines), so that their runs compare.
#ifndef TESSERA_COMMON_DVS_DEFAULTS_H_
#define TESSERA_COMMON_DVS_DEFAULTS_H_

namespace tessera {

// No region is warped from a key older than this (frames). The decision
// network predicts the share of agreeing pixels, which stays high while a
// carried warp slowly loses thin objects (poles, people) that mIoU weighs
// as much as the road: on the generated clip (2026-12-05, when relocation
// still searched 32 pixels for every warp) a cap of 4 cost 2.0-2.5 mIoU
// points at 79-80 % of regions warped where 12 cost 6.2 at 91 %, and on
// the dashcam clip it raised pixel agreement at threshold 90 from 96.0 to
// 96.5 % (BENCHMARKS.md, "Keys at most four frames old").
inline constexpr int kDefaultMaxKeyAge = 4;

}  // namespace tessera

#endif  // TESSERA_COMMON_DVS_DEFAULTS_H_
