#include "master/metrics_text.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "common/prometheus_text.h"

namespace tessera::master {
namespace {

void AppendLatency(std::string& text, const LatencyHistogram& latency) {
  const char* name = "tessera_frame_latency_seconds";
  absl::StrAppendFormat(&text,
                        "# HELP %s Frame accepted to mask delivered.\n"
                        "# TYPE %s histogram\n",
                        name, name);
  uint64_t cumulative = 0;
  for (int i = 0; i < LatencyHistogram::kBuckets; ++i) {
    cumulative += latency.counts[i];
    absl::StrAppendFormat(&text, "%s_bucket{le=\"%g\"} %d\n", name,
                          LatencyHistogram::kBoundsMs[i] / 1000, cumulative);
  }
  absl::StrAppendFormat(&text, "%s_bucket{le=\"+Inf\"} %d\n", name,
                        latency.count);
  absl::StrAppendFormat(&text, "%s_sum %g\n%s_count %d\n", name,
                        latency.sum_ms / 1000, name, latency.count);
}

void AppendPerWorker(std::string& text,
                     const std::map<std::string, uint64_t>& regions) {
  const char* name = "tessera_worker_regions_total";
  absl::StrAppendFormat(&text,
                        "# HELP %s Regions each worker answered.\n"
                        "# TYPE %s counter\n",
                        name, name);
  for (const auto& [worker, count] : regions) {
    absl::StrAppendFormat(&text, "%s{worker=\"%s\"} %d\n", name,
                          PrometheusLabelValue(worker), count);
  }
}

}  // namespace

std::string PrometheusText(const MasterCounters& c) {
  std::string text;
  AppendMetric(text, "tessera_frames_in_total", "counter",
               "Frames accepted from clients and sources.", c.frames_in);
  AppendMetric(text, "tessera_frames_out_total", "counter", "Masks delivered.",
               c.frames_out);
  AppendMetric(text, "tessera_frames_dropped_total", "counter",
               "Frames dropped by the drop-oldest overflow policy.",
               c.frames_dropped);
  AppendMetric(text, "tessera_frames_failed_total", "counter",
               "Frames answered with an error.", c.frames_failed);
  AppendMetric(text, "tessera_frames_refused_total", "counter",
               "Frames refused past a full queue with no worker registered.",
               c.frames_refused);
  AppendMetric(text, "tessera_regions_done_total", "counter",
               "Region results accepted from workers.", c.regions_done);
  AppendMetric(text, "tessera_regions_requeued_total", "counter",
               "Regions requeued after a worker was lost or missed a deadline.",
               c.regions_requeued);
  AppendMetric(
      text, "tessera_late_results_total", "counter",
      "Results that came after their region was given to another worker.",
      c.late_results);
  AppendMetric(text, "tessera_regions_segmented_total", "counter",
               "Regions that took the segmentation path.", c.regions_segmented);
  AppendMetric(text, "tessera_regions_warped_total", "counter",
               "Regions that took the flow path.", c.regions_warped);
  AppendMetric(text, "tessera_key_transfers_total", "counter",
               "Keys forwarded to workers with a task.", c.key_transfers);
  AppendMetric(text, "tessera_key_bytes_sent_total", "counter",
               "Bytes of keys forwarded to workers.", c.key_bytes_sent);
  AppendMetric(text, "tessera_keys_held", "gauge",
               "Regions with a key in the global key buffer.", c.keys_held);
  AppendMetric(text, "tessera_key_buffer_bytes", "gauge",
               "Bytes held by the global key buffer.", c.key_buffer_bytes);
  AppendMetric(text, "tessera_workers", "gauge", "Workers registered.",
               c.workers);
  AppendMetric(text, "tessera_streams", "gauge", "Open streams.", c.streams);
  AppendMetric(text, "tessera_pipelines", "gauge",
               "Pipelines of stage workers running now.", c.pipelines);
  AppendMetric(text, "tessera_pipelines_formed_total", "counter",
               "Pipelines formed since start.", c.pipelines_formed);
  AppendMetric(text, "tessera_pipelines_dissolved_total", "counter",
               "Pipelines taken apart because a member left.",
               c.pipelines_dissolved);
  AppendMetric(text, "tessera_queued_regions", "gauge",
               "Regions waiting for a worker.", c.queued_regions);
  AppendMetric(text, "tessera_in_flight_regions", "gauge",
               "Regions sent to workers and not yet answered.",
               c.in_flight_regions);
  AppendLatency(text, c.latency);
  AppendPerWorker(text, c.regions_by_worker);
  return text;
}

}  // namespace tessera::master
