// How a stream uses DVSNet's flow path: off, one fixed threshold, or the
// paper's dynamic thresholds (per region: -1 after each segmentation, +0.1
// after each warp), plus the key forwarding gap and the oldest key a warp
// may use.
//
//   RegionThresholds thresholds(settings);
//   float t = thresholds.Get(region);
//   thresholds.Update(region, /*warped=*/true);
#ifndef TESSERA_MASTER_DVS_POLICY_H_
#define TESSERA_MASTER_DVS_POLICY_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/dvs_defaults.h"

namespace tessera::master {

enum class DvsMode { kOff, kFixed, kDynamic };

struct DvsSettings {
  DvsMode mode = DvsMode::kFixed;
  float threshold = 90;  // percent of pixels predicted to agree
  // A task carries the newest key when the worker's is missing, or when
  // the frame is more than key_gap frames after the worker's key.
  int key_gap = 0;
  // No region is warped from a key older than this (frames; the shipped
  // decision networks have seen key ages up to 12): common/dvs_defaults.h
  // says why the default is 3.
  int max_key_age = kDefaultMaxKeyAge;
};

// INVALID_ARGUMENT naming the field for a threshold outside 0..100 or a
// negative gap or age.
absl::Status ValidateDvs(const DvsSettings& settings);
std::string DvsModeName(DvsMode mode);
// "off", "fixed" or "dynamic"; INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<DvsMode> ParseDvsMode(const std::string& name);

class RegionThresholds {
 public:
  RegionThresholds() = default;
  explicit RegionThresholds(DvsSettings settings) : settings_(settings) {}

  float Get(int region) const;
  // A region's result came back on the flow path (warped) or not.
  void Update(int region, bool warped);

 private:
  DvsSettings settings_;
  std::map<int, float> dynamic_;  // regions whose threshold has moved
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_DVS_POLICY_H_
