#include "master/dvs_policy.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace tessera::master {
namespace {

// The paper's steps.
constexpr float kAfterSegmentation = -1.0f;
constexpr float kAfterWarp = 0.1f;

}  // namespace

absl::Status ValidateDvs(const DvsSettings& settings) {
  if (!(settings.threshold >= 0 && settings.threshold <= 100)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "DVS threshold %g is outside 0..100 (percent)", settings.threshold));
  }
  if (settings.key_gap < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("key gap %d is negative", settings.key_gap));
  }
  if (settings.max_key_age < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max key age %d is below 1 frame (to never warp, turn DVS off)",
        settings.max_key_age));
  }
  if (settings.key_gap >= settings.max_key_age) {
    // A worker would keep a key it may not warp from while a newer one
    // exists at the master.
    return absl::InvalidArgumentError(
        absl::StrFormat("key gap %d must be below the max key age %d",
                        settings.key_gap, settings.max_key_age));
  }
  return absl::OkStatus();
}

std::string DvsModeName(DvsMode mode) {
  switch (mode) {
    case DvsMode::kOff:
      return "off";
    case DvsMode::kFixed:
      return "fixed";
    case DvsMode::kDynamic:
      return "dynamic";
  }
  return "?";
}

absl::StatusOr<DvsMode> ParseDvsMode(const std::string& name) {
  for (DvsMode mode : {DvsMode::kOff, DvsMode::kFixed, DvsMode::kDynamic}) {
    if (name == DvsModeName(mode)) return mode;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("--dvs=%s: expected off, fixed or dynamic", name));
}

float RegionThresholds::Get(int region) const {
  auto it = dynamic_.find(region);
  return it == dynamic_.end() ? settings_.threshold : it->second;
}

void RegionThresholds::Update(int region, bool warped) {
  if (settings_.mode != DvsMode::kDynamic) return;
  const float moved = Get(region) + (warped ? kAfterWarp : kAfterSegmentation);
  dynamic_[region] = std::clamp(moved, 0.0f, 100.0f);
}

}  // namespace tessera::master
