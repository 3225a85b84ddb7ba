// Emulated devices, for throughput experiments on one machine (issue 6): a
// worker given a device profile takes, for each step of a region, at least
// the time the profile gives for that step on a region of that size, by
// sleeping out the difference after doing the real work. The models,
// decisions, keys and network stay real; only the speed is the device's.
//
//   ASSIGN_OR_RETURN(v1::DeviceProfile profile,
//                    LoadDeviceProfile("bench/profiles/jetson-tx2.json"));
//   DevicePacer pacer(profile);
//   auto start = DevicePacer::Clock::now();
//   ... run optical flow ...
//   pacer.PadStep(DevicePacer::Step::kFlow, region_size, start);
#ifndef TESSERA_WORKER_DEVICE_PROFILE_H_
#define TESSERA_WORKER_DEVICE_PROFILE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/image.h"
#include "tessera/v1/device_profile.pb.h"
#include "worker/segmenter.h"
#include "worker/worker_counters.h"

namespace tessera::worker {

// Reads and checks a profile: NOT_FOUND for a missing file, INVALID_ARGUMENT
// naming the field for an unknown key, a missing name or source, a
// non-positive reference size or segmentation time, or a negative time.
absl::StatusOr<v1::DeviceProfile> LoadDeviceProfile(const std::string& path);

class DevicePacer {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Step {
    kSegmentation,  // segmentation_ms
    kFlow,          // flow_ms
    kDecision,      // decision_ms
    kWarp,          // warp_ms
  };

  explicit DevicePacer(v1::DeviceProfile profile);

  // The profile's time for `step` on a region of `region` pixels: the
  // reference time scaled by the pixel count (the networks and DIS flow are
  // linear in it).
  double StepMs(Step step, Size region) const;
  // Sleeps until `start` + StepMs(step, region), or counts an overrun when
  // that moment has passed. Thread-safe.
  void PadStep(Step step, Size region, Clock::time_point start);
  // The same for steps that run back to back, padded once to their summed
  // time (a device's time is known for the pair, and a fast first step's
  // slack covers a slow second one); counts as one step.
  void PadSteps(std::initializer_list<Step> steps, Size region,
                Clock::time_point start);

  // A share of one step: a pipeline stage doing `fraction` of the
  // segmentation network's work pads to that share of its time.
  void PadFraction(Step step, Size region, double fraction,
                   Clock::time_point start);

  PacingCounters counters() const;
  const v1::DeviceProfile& profile() const { return profile_; }

 private:
  void PadUntil(double target_ms, Clock::time_point start);

  v1::DeviceProfile profile_;
  std::atomic<uint64_t> steps_{0};
  std::atomic<uint64_t> overruns_{0};
  std::atomic<int64_t> padded_us_{0};
};

// With a non-empty `profile_path`: loads the profile, wraps `segmenter` in
// PaceSegmenter and returns the pacer (for the flow path and the counters).
// With an empty one: nullptr, and `segmenter` is left as it is.
absl::StatusOr<std::shared_ptr<DevicePacer>> EmulateDevice(
    const std::string& profile_path, std::unique_ptr<Segmenter>& segmenter);

// A segmenter that runs `inner` and then pads to the profile's segmentation
// time, so that the worker's start-up speed probe, and with it the speed it
// advertises to the master, is the emulated device's too.
std::unique_ptr<Segmenter> PaceSegmenter(std::unique_ptr<Segmenter> inner,
                                         std::shared_ptr<DevicePacer> pacer);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_DEVICE_PROFILE_H_
