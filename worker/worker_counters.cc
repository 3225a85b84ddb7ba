#include "worker/worker_counters.h"

#include "common/prometheus_text.h"

namespace tessera::worker {

std::string WorkerPrometheusText(const WorkerCounters& c) {
  std::string text;
  AppendMetric(text, "tessera_worker_regions_segmented_total", "counter",
               "Regions that took the segmentation path.", c.regions_segmented);
  AppendMetric(text, "tessera_worker_regions_warped_total", "counter",
               "Regions that took the flow path.", c.regions_warped);
  AppendMetric(text, "tessera_worker_regions_warped_carried_total", "counter",
               "Warped regions that started from a frame warped earlier "
               "rather than from the key itself.",
               c.regions_warped_carried);
  AppendMetric(text, "tessera_worker_regions_failed_total", "counter",
               "Regions answered with an error.", c.regions_failed);
  AppendMetric(text, "tessera_worker_segmentation_seconds_total", "counter",
               "Compute time of the segmentation path.",
               c.segmentation_seconds);
  AppendMetric(text, "tessera_worker_flow_seconds_total", "counter",
               "Compute time of the flow path.", c.flow_seconds);
  AppendMetric(text, "tessera_worker_key_evictions_total", "counter",
               "Keys dropped from a full local key buffer.", c.key_evictions);
  AppendMetric(text, "tessera_worker_registrations_total", "counter",
               "Times a master accepted this worker.", c.registrations);
  AppendMetric(text, "tessera_worker_connected", "gauge",
               "1 while registered with a master.",
               static_cast<uint64_t>(c.connected ? 1 : 0));
  if (c.pacing) {
    AppendMetric(text, "tessera_worker_emulated_steps_total", "counter",
                 "Region steps padded to the device profile's time.",
                 c.pacing->steps);
    AppendMetric(text, "tessera_worker_emulation_overruns_total", "counter",
                 "Steps whose real computation took longer than the device "
                 "profile allows.",
                 c.pacing->overruns);
    AppendMetric(text, "tessera_worker_emulation_padding_seconds_total",
                 "counter", "Time slept to match the device profile.",
                 c.pacing->padded_seconds);
  }
  return text;
}

}  // namespace tessera::worker
