#include "tools/bench_report.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/json_string.h"

namespace tessera::bench {
namespace {

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / values.size();
}

double StdDev(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double mean = Mean(values);
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / (values.size() - 1));
}

double Fps(const client::StreamSummary& s) {
  return s.seconds > 0 ? s.masks / s.seconds : 0;
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  if (!(file << text)) {
    return absl::InvalidArgumentError(absl::StrFormat("cannot write %s", path));
  }
  return absl::OkStatus();
}

// A profile file's name without folder and extension: what a reader knows
// it by.
std::string ProfileName(const std::string& path) {
  return path.empty() ? "this machine"
                      : std::filesystem::path(path).stem().string();
}

std::string ProfilesText(const BenchConfig& config) {
  if (config.workers == 0) {
    return ProfileName(config.worker_profiles.empty()
                           ? std::string()
                           : config.worker_profiles[0]);
  }
  std::map<std::string, int> counts;
  for (const std::string& p : config.worker_profiles) ++counts[ProfileName(p)];
  std::vector<std::string> parts;
  for (const auto& [name, n] : counts) {
    parts.push_back(absl::StrFormat("%dx %s", n, name));
  }
  return absl::StrJoin(parts, " + ");
}

std::string BreakdownJson(const TimeBreakdown& breakdown) {
  std::vector<std::string> members;
  for (const BreakdownField& field : BreakdownFields()) {
    members.push_back(
        absl::StrFormat("\"%s\": %.2f", field.name, breakdown.*field.value));
  }
  return absl::StrJoin(members, ", ");
}

// Runs compare with Single only when both take the same paths.
std::pair<bool, double> PathSetting(const BenchConfig& config) {
  return {config.flow_path, config.flow_path ? config.threshold : 0};
}

std::string BreakdownTable(const std::vector<ConfigResult>& results) {
  std::string text = absl::StrFormat(
      "\nwhere the time goes, ms per frame (the paper's Figure 6)\n"
      "%-16s | %-35s | %s\n%-16s |",
      "", "master", "worker (mean over workers)", "config");
  for (const BreakdownField& field : BreakdownFields()) {
    if (field.value == &TimeBreakdown::worker_segmentation_ms) text += " |";
    absl::StrAppendFormat(&text, " %8.8s", field.label);
  }
  text += "\n";
  for (const ConfigResult& r : results) {
    absl::StrAppendFormat(&text, "%-16s |", r.config.name);
    for (const BreakdownField& field : BreakdownFields()) {
      if (field.value == &TimeBreakdown::worker_segmentation_ms) text += " |";
      absl::StrAppendFormat(&text, " %8.1f", r.breakdown.*field.value);
    }
    text += "\n";
  }
  return text;
}

}  // namespace

std::vector<ConfigResult> Summarise(const std::vector<RunRecord>& runs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RunRecord*>> by_config;
  for (const RunRecord& run : runs) {
    if (!by_config.count(run.config.name)) order.push_back(run.config.name);
    by_config[run.config.name].push_back(&run);
  }
  std::vector<ConfigResult> results;
  // Single's fps per path setting, for the speed-ups.
  std::map<std::pair<bool, double>, double> single_fps;
  for (const std::string& name : order) {
    const std::vector<const RunRecord*>& group = by_config[name];
    ConfigResult r;
    r.config = group.front()->config;
    r.runs = static_cast<int>(group.size());
    std::vector<double> fps, miou, accuracy, warped, transfers, bytes, p50, p95,
        p99, seg_ms, flow_ms;
    std::vector<TimeBreakdown> breakdowns;
    for (const RunRecord* run : group) {
      const client::StreamSummary& s = run->summary;
      const double masks = std::max(1, s.masks);
      const double regions =
          std::max<int64_t>(1, s.regions_segmented + s.regions_warped);
      fps.push_back(Fps(s));
      if (s.metrics) {
        miou.push_back(s.metrics->mean_iou);
        accuracy.push_back(s.metrics->pixel_accuracy);
      }
      warped.push_back(s.regions_warped / regions);
      transfers.push_back(s.key_transfers / masks);
      bytes.push_back(s.key_bytes / masks);
      p50.push_back(s.latency_p50_ms);
      p95.push_back(s.latency_p95_ms);
      p99.push_back(s.latency_p99_ms);
      if (s.regions_segmented > 0) {
        seg_ms.push_back(s.segmentation_ms / s.regions_segmented);
      }
      if (s.regions_warped > 0) {
        flow_ms.push_back(s.flow_ms / s.regions_warped);
      }
      breakdowns.push_back(
          BreakdownOf(s, run->config.workers, run->master_cpu_seconds));
      r.emulation_steps += run->pacing.steps;
      r.emulation_overruns += run->pacing.overruns;
    }
    r.fps = Mean(fps);
    r.fps_stddev = StdDev(fps);
    if (!miou.empty()) {
      r.miou = Mean(miou);
      r.pixel_accuracy = Mean(accuracy);
    }
    r.warped_fraction = Mean(warped);
    r.key_transfers_per_frame = Mean(transfers);
    r.key_bytes_per_frame = Mean(bytes);
    r.latency_p50_ms = Mean(p50);
    r.latency_p95_ms = Mean(p95);
    r.latency_p99_ms = Mean(p99);
    r.segmentation_ms_per_region = Mean(seg_ms);
    r.flow_ms_per_region = Mean(flow_ms);
    r.breakdown = MeanBreakdown(breakdowns);
    if (r.config.workers == 0) {
      single_fps.try_emplace(PathSetting(r.config), r.fps);
    }
    results.push_back(r);
  }
  for (ConfigResult& r : results) {
    auto single = single_fps.find(PathSetting(r.config));
    r.speedup = single != single_fps.end() && single->second > 0
                    ? r.fps / single->second
                    : 0;
  }
  return results;
}

std::string FormatTable(const std::vector<ConfigResult>& results,
                        const std::string& accuracy_label) {
  std::string text = absl::StrFormat(
      "%-16s %8s %8s %7s %7s %7s %8s %9s %8s %8s %8s  %s\n", "config", "fps",
      "+-", "speedup", "mIoU", "warped", "keys/fr", "KB key/fr", "p50 ms",
      "p95 ms", "p99 ms", "workers");
  for (const ConfigResult& r : results) {
    text += absl::StrFormat(
        "%-16s %8.2f %8.2f %7s %7s %6.1f%% %8.2f %9.1f %8.0f %8.0f %8.0f  "
        "%s%s\n",
        r.config.name, r.fps, r.fps_stddev,
        r.speedup > 0 ? absl::StrFormat("%.2fx", r.speedup) : "-",
        r.miou >= 0 ? absl::StrFormat("%.1f", 100 * r.miou) : "-",
        100 * r.warped_fraction, r.key_transfers_per_frame,
        r.key_bytes_per_frame / 1024, r.latency_p50_ms, r.latency_p95_ms,
        r.latency_p99_ms, ProfilesText(r.config),
        r.emulation_overruns > 0
            ? absl::StrFormat("  [%d of %d emulated steps overran: slower "
                              "than the profile]",
                              r.emulation_overruns, r.emulation_steps)
            : "");
  }
  return text + "mIoU: " + accuracy_label + "\n" + BreakdownTable(results);
}

absl::Status WriteCsv(const std::string& path,
                      const std::vector<ConfigResult>& results) {
  std::string text =
      "config,workers,profiles,schedule,key_affinity,runs,fps,fps_stddev,"
      "speedup,miou,pixel_accuracy,warped_fraction,key_transfers_per_frame,"
      "key_bytes_per_frame,latency_p50_ms,latency_p95_ms,latency_p99_ms,"
      "segmentation_ms_per_region,flow_ms_per_region,emulation_steps,"
      "emulation_overruns,dvs,threshold";
  for (const BreakdownField& field : BreakdownFields()) {
    absl::StrAppend(&text, ",", field.name);
  }
  text += "\n";
  for (const ConfigResult& r : results) {
    text += absl::StrFormat(
        "%s,%d,%s,%s,%d,%d,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.3f,%.1f,%.1f,%.1f,"
        "%.1f,%.2f,%.2f,%d,%d,%d,%.1f",
        r.config.name, r.config.workers, ProfilesText(r.config),
        r.config.schedule, r.config.key_affinity ? 1 : 0, r.runs, r.fps,
        r.fps_stddev, r.speedup, r.miou, r.pixel_accuracy, r.warped_fraction,
        r.key_transfers_per_frame, r.key_bytes_per_frame, r.latency_p50_ms,
        r.latency_p95_ms, r.latency_p99_ms, r.segmentation_ms_per_region,
        r.flow_ms_per_region, r.emulation_steps, r.emulation_overruns,
        r.config.flow_path ? 1 : 0, r.config.threshold);
    for (const BreakdownField& field : BreakdownFields()) {
      absl::StrAppendFormat(&text, ",%.2f", r.breakdown.*field.value);
    }
    text += "\n";
  }
  return WriteText(path, text);
}

absl::Status WriteJson(const std::string& path, const std::string& context,
                       const std::vector<RunRecord>& runs,
                       const std::vector<ConfigResult>& results) {
  std::vector<std::string> run_items;
  for (const RunRecord& run : runs) {
    run_items.push_back(absl::StrFormat(
        "{\"config\": %s, \"repeat\": %d, \"emulation_steps\": %d, "
        "\"emulation_overruns\": %d, \"master_cpu_seconds\": %.3f, "
        "\"breakdown\": {%s}, \"summary\": %s}",
        JsonString(run.config.name), run.repeat, run.pacing.steps,
        run.pacing.overruns, run.master_cpu_seconds,
        BreakdownJson(BreakdownOf(run.summary, run.config.workers,
                                  run.master_cpu_seconds)),
        run.summary.ToJson()));
  }
  std::vector<std::string> result_items;
  for (const ConfigResult& r : results) {
    result_items.push_back(absl::StrFormat(
        "{\"config\": %s, \"workers\": %d, \"profiles\": %s, "
        "\"schedule\": %s, \"key_affinity\": %s, \"runs\": %d, "
        "\"fps\": %.3f, \"fps_stddev\": %.3f, \"speedup\": %.3f, "
        "\"miou\": %.4f, \"pixel_accuracy\": %.4f, \"warped_fraction\": %.4f, "
        "\"key_transfers_per_frame\": %.3f, \"key_bytes_per_frame\": %.1f, "
        "\"latency_p50_ms\": %.1f, \"latency_p95_ms\": %.1f, "
        "\"latency_p99_ms\": %.1f, \"segmentation_ms_per_region\": %.2f, "
        "\"flow_ms_per_region\": %.2f, \"emulation_steps\": %d, "
        "\"emulation_overruns\": %d, \"dvs\": %s, \"threshold\": %.1f, "
        "\"breakdown\": {%s}}",
        JsonString(r.config.name), r.config.workers,
        JsonString(ProfilesText(r.config)), JsonString(r.config.schedule),
        r.config.key_affinity ? "true" : "false", r.runs, r.fps, r.fps_stddev,
        r.speedup, r.miou, r.pixel_accuracy, r.warped_fraction,
        r.key_transfers_per_frame, r.key_bytes_per_frame, r.latency_p50_ms,
        r.latency_p95_ms, r.latency_p99_ms, r.segmentation_ms_per_region,
        r.flow_ms_per_region, r.emulation_steps, r.emulation_overruns,
        r.config.flow_path ? "true" : "false", r.config.threshold,
        BreakdownJson(r.breakdown)));
  }
  return WriteText(
      path, absl::StrFormat("{%s,\n \"configs\": [\n  %s\n ],\n \"runs\": [\n  "
                            "%s\n ]}\n",
                            context, absl::StrJoin(result_items, ",\n  "),
                            absl::StrJoin(run_items, ",\n  ")));
}

}  // namespace tessera::bench
