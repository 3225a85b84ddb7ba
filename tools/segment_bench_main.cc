// tessera-segment-bench: the segmentation path's throughput on one device,
// by precision, memory layout and batch size, and its accuracy per
// precision (issue 8; BENCHMARKS.md "GPU workers"). Frames come from a
// folder; each is cut into the --grid regions a master would send.
//
//   tessera-segment-bench --frames=frames/960x540 --grid=2x2 --halo=64
//       --device=cuda --precisions=fp32,fp16 --layouts=nchw,nhwc
//       --batches=1,4,8,16
//   tessera-segment-bench --frames=camvid/val --labels=camvid/valannot
//       --device=cuda --precisions=fp32,fp16 --batches=
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/allocator_tuning.h"
#include "common/file_bytes.h"
#include "common/flag_values.h"
#include "common/folders.h"
#include "common/frame_source.h"
#include "common/region_grid.h"
#include "common/split_stitch.h"
#include "common/status_macros.h"
#include "tools/label_eval.h"
#include "tools/segment_bench.h"
#include "worker/segmenter.h"

ABSL_FLAG(std::string, model, "models/camvid.pt", "segmentation model");
ABSL_FLAG(std::string, device, "cpu", "cpu | cuda | cuda:N");
ABSL_FLAG(int, threads, 0, "intra-op threads (0: every core)");
ABSL_FLAG(std::string, precisions, "fp32", "comma list of fp32, fp16, bf16");
ABSL_FLAG(std::string, layouts, "nchw",
          "comma list of nchw, nhwc (channels-last)");
ABSL_FLAG(std::string, graphs, "off",
          "comma list of off, on: CUDA graphs (CUDA builds, --device=cuda)");
ABSL_FLAG(bool, fused_labels, true,
          "CUDA: labels from scores in one kernel (off: ATen upsample and "
          "argmax)");
ABSL_FLAG(bool, optimize, false,
          "CUDA: frozen network, folded batch norms, cuDNN autotuning (off: "
          "as loaded)");
ABSL_FLAG(std::string, lanes, "1",
          "comma list of lane counts: batches under way at once, one "
          "thread each (the worker's --lanes)");
ABSL_FLAG(std::string, batches, "1,4,8,16",
          "comma list of batch sizes; empty: accuracy only");
ABSL_FLAG(std::string, frames, "", "folder of frames (PNG or JPEG)");
ABSL_FLAG(int, max_frames, 32, "frames read from --frames (0: all)");
ABSL_FLAG(std::string, grid, "1x1", "regions per frame, ROWSxCOLS");
ABSL_FLAG(int, halo, 0, "region overlap, pixels");
ABSL_FLAG(int, regions, 512, "regions timed per batch size");
ABSL_FLAG(std::string, labels, "",
          "ground-truth label PNGs of --frames (CamVid layout): adds mIoU");
ABSL_FLAG(std::string, out, "out/segment-bench",
          "folder for results.json and the predicted labels");

namespace tessera::tools {
namespace {

struct Setting {
  std::string precision;
  std::string layout;
  bool graphs = false;
  int lanes = 1;
  std::string Name() const {
    return precision + " " + layout + (graphs ? " graphs" : "") +
           (lanes > 1 ? absl::StrFormat(" x%d", lanes) : "");
  }
};

// A comma list of whole numbers in lo..hi, for the flag `name`.
absl::StatusOr<std::vector<int>> ParseCounts(const std::string& name,
                                             const std::string& text, int lo,
                                             int hi) {
  std::vector<int> counts;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int count = 0;
    if (!absl::SimpleAtoi(part, &count) || count < lo || count > hi) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--%s: '%s' is not a whole number in %d..%d", name, part, lo, hi));
    }
    counts.push_back(count);
  }
  return counts;
}

absl::StatusOr<std::vector<Setting>> ParseSettings() {
  std::vector<Setting> settings;
  const std::vector<std::string> precisions =
      absl::StrSplit(absl::GetFlag(FLAGS_precisions), ',', absl::SkipEmpty());
  const std::vector<std::string> layouts =
      absl::StrSplit(absl::GetFlag(FLAGS_layouts), ',', absl::SkipEmpty());
  const std::vector<std::string> graphs =
      absl::StrSplit(absl::GetFlag(FLAGS_graphs), ',', absl::SkipEmpty());
  ASSIGN_OR_RETURN(std::vector<int> lanes,
                   ParseCounts("lanes", absl::GetFlag(FLAGS_lanes), 1,
                               worker::kMaxSegmenterLanes));
  for (const std::string& precision : precisions) {
    for (const std::string& layout : layouts) {
      if (layout != "nchw" && layout != "nhwc") {
        return absl::InvalidArgumentError(
            absl::StrFormat("--layouts: '%s' is not nchw or nhwc", layout));
      }
      for (const std::string& graph : graphs) {
        if (graph != "off" && graph != "on") {
          return absl::InvalidArgumentError(
              absl::StrFormat("--graphs: '%s' is not off or on", graph));
        }
        for (int lane_count : lanes) {
          settings.push_back({precision, layout, graph == "on", lane_count});
        }
      }
    }
  }
  if (settings.empty()) {
    return absl::InvalidArgumentError(
        "--precisions, --layouts, --graphs or --lanes is empty");
  }
  return settings;
}

absl::StatusOr<std::vector<Image>> ReadFrames(const std::string& folder,
                                              int max_frames) {
  if (folder.empty()) return absl::InvalidArgumentError("--frames is required");
  ASSIGN_OR_RETURN(std::unique_ptr<FrameSource> source,
                   OpenFrameSource(folder, max_frames));
  std::vector<Image> frames;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Image> frame, source->Next());
    if (!frame) break;
    frames.push_back(*std::move(frame));
  }
  return frames;
}

absl::Status Run() {
  ASSIGN_OR_RETURN(std::vector<Setting> settings, ParseSettings());
  ASSIGN_OR_RETURN(
      std::vector<int> batches,
      ParseCounts("batches", absl::GetFlag(FLAGS_batches), 1, 256));
  ASSIGN_OR_RETURN(GridSpec grid, ParseGrid("--grid", absl::GetFlag(FLAGS_grid),
                                            absl::GetFlag(FLAGS_halo)));
  const std::string labels = absl::GetFlag(FLAGS_labels);
  const std::string out = absl::GetFlag(FLAGS_out);
  RETURN_IF_ERROR(CreateFolder(out));
  ASSIGN_OR_RETURN(
      std::vector<Image> frames,
      ReadFrames(absl::GetFlag(FLAGS_frames),
                 labels.empty() ? absl::GetFlag(FLAGS_max_frames) : 0));
  ASSIGN_OR_RETURN(std::vector<Region> layout,
                   MakeRegionGrid(frames.front().size(), grid));
  std::vector<Image> regions;
  for (const Image& frame : frames) {
    if (frame.size() != frames.front().size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "frames differ in size (%dx%d and %dx%d)", frame.width, frame.height,
          frames.front().width, frames.front().height));
    }
    for (Image& region : SplitFrame(frame, layout)) {
      regions.push_back(std::move(region));
    }
  }
  std::printf("%zu frames of %dx%d, %zu regions of %dx%d each (%s)\n",
              frames.size(), frames.front().width, frames.front().height,
              layout.size(), regions.front().width, regions.front().height,
              grid.ToString().c_str());
  std::printf("%-18s %6s %10s %10s %10s %8s\n", "setting", "batch", "regions/s",
              "frames/s", "ms/batch", "mIoU");

  std::vector<std::string> json;
  for (const Setting& setting : settings) {
    ASSIGN_OR_RETURN(std::unique_ptr<worker::Segmenter> segmenter,
                     worker::CreateSegmenter(
                         {.model_path = absl::GetFlag(FLAGS_model),
                          .device = absl::GetFlag(FLAGS_device),
                          .threads = absl::GetFlag(FLAGS_threads),
                          .precision = setting.precision,
                          .channels_last = setting.layout == "nhwc",
                          .cuda_graphs = setting.graphs,
                          .fused_labels = absl::GetFlag(FLAGS_fused_labels),
                          .optimize = absl::GetFlag(FLAGS_optimize),
                          .lanes = setting.lanes}));
    double miou = -1;
    if (!labels.empty()) {
      const std::string predictions = absl::StrFormat(
          "%s/labels-%s-%s%s%s", out, setting.precision, setting.layout,
          setting.graphs ? "-graphs" : "",
          setting.lanes > 1 ? absl::StrFormat("-x%d", setting.lanes) : "");
      RETURN_IF_ERROR(SegmentFramesToFolder(*segmenter, frames, predictions,
                                            setting.lanes));
      ASSIGN_OR_RETURN(EvalReport report,
                       EvaluateFolders({.predictions = predictions,
                                        .ground_truth = labels,
                                        .match_by_order = true}));
      miou = report.metrics.mean_iou * 100;
      std::printf("%-18s %6s %10s %10s %10s %8.2f\n", setting.Name().c_str(),
                  "-", "-", "-", "-", miou);
    }
    ASSIGN_OR_RETURN(
        std::vector<ThroughputPoint> points,
        MeasureThroughput(*segmenter, regions, batches,
                          absl::GetFlag(FLAGS_regions), setting.lanes));
    for (const ThroughputPoint& point : points) {
      const double regions_per_s = point.regions_per_second();
      const double frames_per_s = regions_per_s / layout.size();
      const double ms_per_batch =
          1000 * point.seconds * point.batch / point.regions;
      std::printf("%-18s %6d %10.1f %10.1f %10.2f %8s\n",
                  setting.Name().c_str(), point.batch, regions_per_s,
                  frames_per_s, ms_per_batch, "");
      json.push_back(absl::StrFormat(
          R"({"device": "%s", "precision": "%s", "layout": "%s", )"
          R"("cuda_graphs": %s, "lanes": %d, "frame": "%dx%d", "grid": "%s", )"
          R"("region": "%dx%d", "batch": %d, "regions_per_s": %.2f, )"
          R"("frames_per_s": %.2f, "miou": %.3f})",
          absl::GetFlag(FLAGS_device), setting.precision, setting.layout,
          setting.graphs ? "true" : "false", setting.lanes,
          frames.front().width, frames.front().height, grid.ToString(),
          regions.front().width, regions.front().height, point.batch,
          regions_per_s, frames_per_s, miou));
    }
    if (points.empty()) {
      json.push_back(absl::StrFormat(
          R"({"device": "%s", "precision": "%s", "layout": "%s", "miou": %.3f})",
          absl::GetFlag(FLAGS_device), setting.precision, setting.layout,
          miou));
    }
  }
  return WriteFileBytes(out + "/results.json",
                        "[\n  " + absl::StrJoin(json, ",\n  ") + "\n]\n");
}

}  // namespace
}  // namespace tessera::tools

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Throughput (and accuracy) of the segmentation path on one device");
  absl::ParseCommandLine(argc, argv);
  tessera::KeepLargeAllocations();  // as tessera-worker does
  const absl::Status status = tessera::tools::Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tessera-segment-bench: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
