// tessera-bench: the throughput experiments of the paper's Figures 5 and 6,
// as one command. Runs a matrix of configurations over a clip — Single (one
// process, no network) and a master with N workers, optionally each at
// several decision thresholds — each repeated, and reports fps, speed-up
// over Single, accuracy, the share of regions on each path, key transfers,
// latency percentiles and where the master's and the workers' time goes, as
// tables, CSV, JSON and plots (bench.png: Figure 5; breakdown.png: Figure 6;
// pareto.png: mIoU against fps over the thresholds).
//
//   tessera-bench --quick                                  # seconds
//   tessera-bench --configs=single,1,2,3,4,5,6 --repeats=3
//       --profile=raspberry-pi4 --out=out/bench          # (one line)
//   tessera-bench --configs=mix,mix/fifo,mix/no-affinity
//       --mix=none:1,raspberry-pi4:3                     # heterogeneous
//   tessera-bench --configs=2 --thresholds=off,70,80,90,95,98  # Pareto
//
// Workers can emulate slower devices (--profile, bench/profiles/*.json): the
// real models, decisions and network run, padded to the device's times.
// Without --clip, a labelled clip is generated with tessera-synth (seed 500,
// which no shipped model was trained on) and accuracy is against its ground
// truth; with a --clip and no --gt, accuracy is agreement with per-frame
// segmentation (a Single run with the flow path off, made first).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/allocator_tuning.h"
#include "common/flag_values.h"
#include "common/json_string.h"
#include "tools/bench_cluster.h"
#include "tools/bench_plot.h"
#include "tools/bench_report.h"
#include "tools/bench_single.h"
#include "tools/tool_paths.h"

ABSL_FLAG(std::string, model, "models/synth.pt", "segmentation model");
ABSL_FLAG(std::string, clip, "",
          "frames folder or video (empty: generate one with tessera-synth)");
ABSL_FLAG(std::string, gt, "", "ground-truth label PNGs of --clip");
ABSL_FLAG(std::string, palette, "camvid", "camvid | cityscapes");
ABSL_FLAG(int, frames, 60, "frames of the clip used (generated clip: made)");
ABSL_FLAG(std::string, size, "480x360", "generated clip's frame size");
ABSL_FLAG(int, synth_seed, 500, "generated clip's seed");
ABSL_FLAG(std::string, configs, "single,1,2,3,4,5,6",
          "configurations: single | N (1+N workers) | mix (the --mix "
          "workers); N and mix take /fifo (no speed weighting), "
          "/no-affinity (no key affinity) or /pipe (the workers run the "
          "model as one pipeline, a stage each)");
ABSL_FLAG(int, repeats, 3, "runs per configuration");
ABSL_FLAG(std::string, mode, "dvs",
          "dvs (flow path and decision network) | seg (segment every region)");
ABSL_FLAG(double, threshold, 90, "decision threshold, percent");
ABSL_FLAG(std::string, thresholds, "",
          "a sweep instead of --mode/--threshold: every configuration at "
          "each of these thresholds (percent; 'off': segmentation only), "
          "e.g. off,70,80,90,95,98; adds pareto.png");
ABSL_FLAG(std::string, grid, "2x2", "regions per frame, ROWSxCOLS");
ABSL_FLAG(int, halo, 64, "region overlap, pixels");
ABSL_FLAG(std::string, profile, "",
          "device every worker (and Single) emulates: a name in "
          "--profiles_dir or a path (empty: this machine's own speed)");
ABSL_FLAG(std::string, mix, "",
          "the workers of the 'mix' configuration: PROFILE:COUNT,... "
          "(PROFILE 'none': this machine's speed)");
ABSL_FLAG(std::string, profiles_dir, "bench/profiles",
          "where profile names are looked up");
ABSL_FLAG(int, threads, 1, "inference threads per worker and for Single");
ABSL_FLAG(std::string, worker_flags, "",
          "more flags for every worker, space-separated, e.g. "
          "\"--device=cuda --max_batch=8 --max_in_flight=32\"");
ABSL_FLAG(std::string, out, "out/bench",
          "results: bench.csv, bench.json, logs/");
ABSL_FLAG(std::string, bin_dir, "",
          "where tessera-master, tessera-worker and tessera-synth are "
          "(default: beside this program, or the build tree around it)");
ABSL_FLAG(bool, quick, false,
          "a smoke run for CI: 6 frames of 320x240, one repeat, Single + "
          "1+1 + 1+2 unless --configs is given");

namespace tessera::bench {
namespace {

namespace fs = std::filesystem;

constexpr double kWorkerMemoryMb = 400;  // a worker with LibTorch and a model

}  // namespace

int Fail(const std::string& message) {
  std::fprintf(stderr, "tessera-bench: %s\n", message.c_str());
  return 2;
}

namespace {

absl::StatusOr<std::string> FindBinary(const std::string& name,
                                       const std::string& build_subdir) {
  return FindTesseraBinary(name, build_subdir, absl::GetFlag(FLAGS_bin_dir));
}

absl::StatusOr<std::string> ResolveProfile(const std::string& name) {
  if (name.empty() || name == "none") return std::string();
  std::string path = name;
  if (name.find('/') == std::string::npos &&
      name.find(".json") == std::string::npos) {
    path = absl::GetFlag(FLAGS_profiles_dir) + "/" + name + ".json";
  }
  if (!fs::exists(path)) {
    return absl::NotFoundError(
        absl::StrFormat("unknown device profile '%s': no file %s", name, path));
  }
  return path;
}

double MemAvailableMb() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (meminfo >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb / 1024;
  }
  return 0;
}

// One point of a threshold sweep (or the only one): the flow path on at a
// threshold, or off.
struct PathSetting {
  bool flow_path = true;
  double threshold = 90;
  std::string name;  // "70", "off"
};

absl::StatusOr<std::vector<PathSetting>> PlanPathSettings() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const double threshold = absl::GetFlag(FLAGS_threshold);
  if (mode != "dvs" && mode != "seg") {
    return absl::InvalidArgumentError("--mode=" + mode +
                                      ": expected dvs or seg");
  }
  const std::string sweep = absl::GetFlag(FLAGS_thresholds);
  if (sweep.empty()) {
    if (!(threshold >= 0 && threshold <= 100)) {
      return absl::InvalidArgumentError("--threshold must be within 0..100");
    }
    return std::vector<PathSetting>{
        {mode == "dvs", threshold, absl::StrCat(threshold)}};
  }
  if (mode != "dvs") {
    return absl::InvalidArgumentError(
        "--thresholds sweeps the flow path: drop --mode=seg (use 'off' in "
        "the list for segmentation only)");
  }
  std::vector<PathSetting> settings;
  for (absl::string_view item : absl::StrSplit(sweep, ',', absl::SkipEmpty())) {
    double value = 0;
    if (item == "off") {
      settings.push_back({false, 0, "off"});
    } else if (absl::SimpleAtod(item, &value) && value >= 0 && value <= 100) {
      settings.push_back({true, value, std::string(item)});
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--thresholds: '%s' is neither 'off' nor a percentage 0..100", item));
    }
  }
  if (settings.empty()) {
    return absl::InvalidArgumentError("--thresholds is empty");
  }
  return settings;
}

absl::StatusOr<std::vector<BenchConfig>> PlanConfigs(
    const std::string& list, const std::vector<PathSetting>& settings) {
  absl::StatusOr<std::string> profile =
      ResolveProfile(absl::GetFlag(FLAGS_profile));
  if (!profile.ok()) return profile.status();
  std::vector<std::string> mix;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_mix), ',', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(part, ':');
    int count = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &count) ||
        count < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--mix: '%s' is not PROFILE:COUNT with COUNT >= 1", part));
    }
    absl::StatusOr<std::string> path = ResolveProfile(fields[0]);
    if (!path.ok()) return path.status();
    mix.insert(mix.end(), count, *path);
  }

  std::vector<BenchConfig> configs;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    BenchConfig config;
    std::vector<std::string> parts = absl::StrSplit(item, '/');
    const std::string& base = parts[0];
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i] == "fifo") {
        config.schedule = "fifo";
      } else if (parts[i] == "no-affinity") {
        config.key_affinity = false;
      } else if (parts[i] == "pipe") {
        config.pipeline_stages = -1;  // the worker count, once known
      } else {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--configs: '%s': unknown variant '%s' (fifo, no-affinity, pipe)",
            item, parts[i]));
      }
    }
    int workers = 0;
    if (base == "single") {
      if (parts.size() > 1) {
        return absl::InvalidArgumentError(
            "--configs: single has no scheduler to vary");
      }
      config.worker_profiles = {*profile};
    } else if (base == "mix") {
      if (mix.empty()) {
        return absl::InvalidArgumentError(
            "--configs has mix but --mix is empty");
      }
      config.worker_profiles = mix;
      config.workers = static_cast<int>(mix.size());
    } else if (absl::SimpleAtoi(base, &workers) && workers >= 1) {
      config.workers = workers;
      config.worker_profiles.assign(workers, *profile);
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--configs: '%s' is not single, mix or a worker count >= 1", item));
    }
    // N/pipe: the N workers run the model as one pipeline of N stages.
    if (config.pipeline_stages < 0) config.pipeline_stages = config.workers;
    config.name = base == "single" ? "single"
                  : base == "mix"  ? std::string(item)
                                   : absl::StrCat("1+", item);
    for (const PathSetting& setting : settings) {
      BenchConfig swept = config;
      swept.flow_path = setting.flow_path;
      swept.threshold = setting.threshold;
      if (settings.size() > 1) absl::StrAppend(&swept.name, "@", setting.name);
      configs.push_back(swept);
    }
  }
  if (configs.empty()) return absl::InvalidArgumentError("--configs is empty");
  int most = 0;
  for (const BenchConfig& c : configs) most = std::max(most, c.workers);
  const double available = MemAvailableMb();
  if (available > 0 && (most + 1) * kWorkerMemoryMb > available) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "1+%d needs about %.0f MB (%.0f MB per worker) and this machine has "
        "%.0f MB available: fewer workers, or a bigger machine",
        most, (most + 1) * kWorkerMemoryMb, kWorkerMemoryMb, available));
  }
  return configs;
}

struct Clip {
  std::string source;
  std::string gt;
  std::string accuracy_label;
};

absl::StatusOr<Clip> PrepareClip(const std::string& out, int frames,
                                 const SingleOptions& base) {
  Clip clip;
  if (absl::GetFlag(FLAGS_clip).empty()) {
    absl::StatusOr<Size> size = ParseSize("--size", absl::GetFlag(FLAGS_size));
    if (!size.ok()) return size.status();
    absl::StatusOr<std::string> synth = FindBinary("tessera-synth", "tools");
    if (!synth.ok()) return synth.status();
    absl::StatusOr<GeneratedClip> generated =
        GenerateClip(*synth, out + "/clip", frames, *size,
                     absl::GetFlag(FLAGS_synth_seed), out + "/logs/synth.log");
    if (!generated.ok()) return generated.status();
    return Clip{generated->frames, generated->labels,
                absl::StrFormat("against the generated ground truth (seed %d)",
                                absl::GetFlag(FLAGS_synth_seed))};
  }
  clip.source = absl::GetFlag(FLAGS_clip);
  if (!fs::exists(clip.source)) {
    return absl::NotFoundError(
        absl::StrFormat("--clip=%s does not exist", clip.source));
  }
  if (!absl::GetFlag(FLAGS_gt).empty()) {
    clip.gt = absl::GetFlag(FLAGS_gt);
    clip.accuracy_label = "against --gt " + clip.gt;
    return clip;
  }
  // No ground truth: the reference is per-frame segmentation of every
  // region, run once here.
  std::fprintf(stderr, "reference: per-frame segmentation of %s\n",
               clip.source.c_str());
  SingleOptions reference = base;
  reference.source = clip.source;
  reference.flow_path = false;
  reference.device_profile.clear();
  reference.output = out + "/reference";
  absl::StatusOr<client::StreamSummary> made = RunSingle(reference);
  if (!made.ok()) return made.status();
  clip.gt = reference.output + "/labels";
  clip.accuracy_label =
      "agreement with per-frame segmentation (mIoU of the labels taking "
      "segmentation's as truth)";
  return clip;
}

std::string CommandLine(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return absl::StrJoin(args, " ");
}

int Run(int argc, char** argv) {
  const bool quick = absl::GetFlag(FLAGS_quick);
  std::string configs_flag = absl::GetFlag(FLAGS_configs);
  int frames = absl::GetFlag(FLAGS_frames);
  int repeats = absl::GetFlag(FLAGS_repeats);
  int halo = absl::GetFlag(FLAGS_halo);
  if (quick) {
    if (configs_flag == "single,1,2,3,4,5,6") configs_flag = "single,1,2";
    frames = 6;
    repeats = 1;
    halo = std::min(halo, 32);
    absl::SetFlag(&FLAGS_size, "320x240");
  }
  if (frames < 1 || repeats < 1) {
    return Fail("--frames and --repeats must be >= 1");
  }
  absl::StatusOr<std::vector<PathSetting>> settings = PlanPathSettings();
  if (!settings.ok()) return Fail(std::string(settings.status().message()));
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const double threshold = absl::GetFlag(FLAGS_threshold);
  absl::StatusOr<GridSpec> grid =
      ParseGrid("--grid", absl::GetFlag(FLAGS_grid), halo);
  if (!grid.ok()) return Fail(std::string(grid.status().message()));
  if (!fs::exists(absl::GetFlag(FLAGS_model))) {
    return Fail("--model=" + absl::GetFlag(FLAGS_model) + " does not exist");
  }
  absl::StatusOr<std::vector<BenchConfig>> configs =
      PlanConfigs(configs_flag, *settings);
  if (!configs.ok()) return Fail(std::string(configs.status().message()));
  absl::StatusOr<std::string> master = FindBinary("tessera-master", "master");
  if (!master.ok()) return Fail(std::string(master.status().message()));
  absl::StatusOr<std::string> worker = FindBinary("tessera-worker", "worker");
  if (!worker.ok()) return Fail(std::string(worker.status().message()));

  const std::string out = absl::GetFlag(FLAGS_out);
  fs::create_directories(out + "/logs");
  SingleOptions single;
  single.model = absl::GetFlag(FLAGS_model);
  single.max_frames = frames;
  single.palette = absl::GetFlag(FLAGS_palette);
  single.grid = *grid;
  single.flow_path = mode == "dvs";
  single.threshold = threshold;
  single.threads = absl::GetFlag(FLAGS_threads);
  absl::StatusOr<Clip> clip = PrepareClip(out, frames, single);
  if (!clip.ok()) return Fail(std::string(clip.status().message()));
  single.source = clip->source;
  single.gt = clip->gt;

  std::vector<RunRecord> runs;
  const int total = static_cast<int>(configs->size()) * repeats;
  int done = 0;
  for (const BenchConfig& config : *configs) {
    for (int repeat = 1; repeat <= repeats; ++repeat) {
      // A whole line each, before and after: the client library logs a
      // line of its own when its stream is accepted.
      std::fprintf(stderr, "[%3d/%d] %s, run %d of %d\n", done + 1, total,
                   config.name.c_str(), repeat, repeats);
      RunRecord record{config, repeat, {}, {}};
      if (config.workers == 0) {
        SingleOptions options = single;
        options.device_profile = config.worker_profiles.front();
        options.flow_path = config.flow_path;
        options.threshold = config.threshold;
        absl::StatusOr<client::StreamSummary> summary = RunSingle(options);
        if (!summary.ok()) {
          return Fail(config.name + ": " +
                      std::string(summary.status().message()));
        }
        record.summary = *std::move(summary);
      } else {
        ClusterRunOptions options;
        options.model = single.model;
        options.source = single.source;
        options.max_frames = frames;
        options.gt = single.gt;
        options.palette = single.palette;
        options.grid = *grid;
        options.flow_path = config.flow_path;
        options.threshold = config.threshold;
        options.worker_profiles = config.worker_profiles;
        options.schedule = config.schedule;
        options.key_affinity = config.key_affinity;
        options.pipeline_stages = config.pipeline_stages;
        options.threads = single.threads;
        options.worker_flags = absl::StrSplit(absl::GetFlag(FLAGS_worker_flags),
                                              ' ', absl::SkipEmpty());
        options.master_binary = *master;
        options.worker_binary = *worker;
        options.log_dir = out + "/logs";
        options.name = absl::StrFormat(
            "%s-r%d",
            absl::StrReplaceAll(config.name, {{"/", "-"}, {"+", "p"}}), repeat);
        absl::StatusOr<ClusterRun> run = RunCluster(options);
        if (!run.ok()) {
          return Fail(config.name + ": " + std::string(run.status().message()));
        }
        record.summary = std::move(run->summary);
        record.pacing = run->pacing;
        record.master_cpu_seconds = run->master_cpu_seconds;
      }
      const client::StreamSummary& s = record.summary;
      std::fprintf(
          stderr, "[%3d/%d] %s: %.2f fps%s\n", done + 1, total,
          config.name.c_str(), s.seconds > 0 ? s.masks / s.seconds : 0.0,
          s.metrics ? absl::StrFormat(", mIoU %.1f", 100 * s.metrics->mean_iou)
                          .c_str()
                    : "");
      runs.push_back(std::move(record));
      ++done;
    }
  }

  const std::vector<ConfigResult> results = Summarise(runs);
  std::printf("%s", FormatTable(results, clip->accuracy_label).c_str());
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const std::string context = absl::StrFormat(
      "\"command\": %s, \"host\": %s, \"cpus\": %d, \"date\": %s, "
      "\"model\": %s, \"clip\": %s, \"frames\": %d, \"grid\": %s, "
      "\"mode\": %s, \"threshold\": %.1f, \"thresholds\": %s, "
      "\"repeats\": %d, \"accuracy\": %s",
      JsonString(CommandLine(argc, argv)), JsonString(host),
      static_cast<int>(std::thread::hardware_concurrency()),
      JsonString(absl::FormatTime(absl::Now())), JsonString(single.model),
      JsonString(single.source), frames, JsonString(grid->ToString()),
      JsonString(mode), threshold, JsonString(absl::GetFlag(FLAGS_thresholds)),
      repeats, JsonString(clip->accuracy_label));
  if (absl::Status written = WriteCsv(out + "/bench.csv", results);
      !written.ok()) {
    return Fail(std::string(written.message()));
  }
  if (absl::Status written =
          WriteJson(out + "/bench.json", context, runs, results);
      !written.ok()) {
    return Fail(std::string(written.message()));
  }
  const std::string paths =
      settings->size() > 1 ? "thresholds " + absl::GetFlag(FLAGS_thresholds)
      : mode == "dvs"      ? absl::StrFormat("DVS threshold %.0f", threshold)
                           : std::string("segmentation only");
  const std::string title =
      absl::StrFormat("%s, %s, %d frames: %s",
                      fs::path(single.model).stem().string(), paths, frames,
                      absl::GetFlag(FLAGS_profile).empty()
                          ? std::string("this machine's speed")
                          : "workers as " + absl::GetFlag(FLAGS_profile));
  std::vector<std::string> written = {"bench.csv", "bench.json", "bench.png",
                                      "breakdown.png"};
  absl::Status plotted = WriteScalingPlot(out + "/bench.png", results, title);
  if (plotted.ok()) {
    plotted = WriteBreakdownPlot(out + "/breakdown.png", results, title);
  }
  if (plotted.ok() && settings->size() > 1) {
    plotted = WriteParetoPlot(out + "/pareto.png", results, title);
    written.push_back("pareto.png");
  }
  if (!plotted.ok()) return Fail(std::string(plotted.message()));
  std::printf("wrote %s in %s\n", absl::StrJoin(written, ", ").c_str(),
              out.c_str());
  return 0;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "throughput experiments: Single vs 1+N workers over a clip "
      "(tessera-bench --quick for a smoke run)");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return tessera::bench::Fail(absl::StrCat(
        "unexpected argument '", positional[1], "' (flags are --name=value)"));
  }
  tessera::KeepLargeAllocations();
  return tessera::bench::Run(argc, argv);
}
