// tessera-train-dn: builds the decision network's training set by running
// the segmentation and flow paths on video (key 0..--max_gap frames back, per
// region of the deployment's grid), fits the MLP, reports its mean absolute
// error on held-out video and writes the .dn.json the worker loads.
//
//   tessera-train-dn --model=models/synth.pt --train=synth:1,synth:2
//                    --val=synth:101 --out=models/synth.dn.json
#include <ATen/Parallel.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/allocator_tuning.h"
#include "common/flag_values.h"
#include "common/search_radius.h"
#include "tools/dn_dataset.h"
#include "tools/dn_fit.h"
#include "tools/dn_samples_csv.h"
#include "worker/decision_network.h"
#include "worker/flow_window.h"
#include "worker/model_card.h"
#include "worker/warp_options.h"

ABSL_FLAG(std::string, model, "", "segmentation model (.pt with its card)");
ABSL_FLAG(std::vector<std::string>, train, {},
          "training clips: video files, image folders or synth:SEED");
ABSL_FLAG(std::vector<std::string>, val, {},
          "held-out clips for model selection and the reported error");
ABSL_FLAG(std::string, out, "",
          "output .dn.json (default: the model's name with .dn.json)");
ABSL_FLAG(std::string, name, "", "the network's name (default: from --out)");
ABSL_FLAG(std::string, grid, "2x2", "region grid of the deployment, RxC");
ABSL_FLAG(int, halo, 64, "region halo of the deployment, pixels");
ABSL_FLAG(int, max_gap, 12, "keys 0..max_gap frames before the current one");
ABSL_FLAG(int, frame_step, 1, "use every k-th frame as a current frame");
ABSL_FLAG(std::string, target, "pixels",
          "what the score predicts: pixels (the paper: percent of agreeing "
          "pixels) | classes (mean per-class IoU of warped vs segmented)");
ABSL_FLAG(int, max_frames, 0, "frames per clip (0: all; synth: 60)");
ABSL_FLAG(std::string, synth_size, "480x360", "size of synth: clips, WxH");
ABSL_FLAG(int, synth_scene_cut_every, 40, "frames per scene in synth: clips");
ABSL_FLAG(std::string, flow, "dis", "flow backend: dis | torchscript");
ABSL_FLAG(std::string, flow_preset, "ultrafast", "DIS preset");
ABSL_FLAG(double, flow_scale, 1.0,
          "flow computed at this scale (the worker's --flow_scale)");
ABSL_FLAG(std::string, flow_model, "", "TorchScript flow network");
ABSL_FLAG(std::string, warp_radius,
          absl::StrCat(tessera::worker::kDefaultWarpRadius),
          "how far the warp looks for a better colour match: 0..16 pixels "
          "each way (0: plain nearest-pixel warp), or ACROSSxUPDOWN such as "
          "10x7; the network records it and workers follow it, and with "
          "--samples_from it must match the file's");
ABSL_FLAG(std::string, warp_colour_threshold,
          absl::StrCat(tessera::kDefaultColourThreshold),
          "the warp looks for a pixel's match where its warped colour "
          "differs from the current one's by more than this, L1 over RGB, "
          "0..765; the network records it and workers follow it, and with "
          "--samples_from it must match the file's");
ABSL_FLAG(std::string, warp_fill_threshold,
          absl::StrCat(tessera::kDefaultFillThreshold),
          "after the colour search, a pixel whose colour still differs from "
          "its match by more than this, L1 over RGB, takes the label of a "
          "like-coloured neighbour in the current frame: 0..765 or off; "
          "the network records it and workers follow it, and with "
          "--samples_from it must match the file's");
ABSL_FLAG(std::string, relocate_classes,
          tessera::worker::kDefaultRelocateClasses,
          "the workers' --relocate_classes: classes whose objects the warp "
          "searches for again (none, the default | auto: Pole, where the "
          "model has it | names)");
ABSL_FLAG(bool, carry_warps, true,
          "the workers' --carry_warps: warp each key's labels on frame by "
          "frame (true) or every frame from the key itself (false, the "
          "paper); the network records which it learned, and with "
          "--samples_from it must match the file's");
ABSL_FLAG(int, window_margin, 16,
          "the flow path's window: each region's core (what the master "
          "stitches) grown by this many pixels, where the flow, the features "
          "and the warp run (-1: the whole region); the network records it "
          "and workers follow it, and with --samples_from it must match the "
          "file's");
ABSL_FLAG(int, threads, 2, "CPU threads");
ABSL_FLAG(int, epochs, 100, "training epochs");
ABSL_FLAG(std::string, hidden, "32,32", "hidden layer widths");
ABSL_FLAG(std::string, samples_csv, "", "also write every sample here");
ABSL_FLAG(std::string, samples_from, "",
          "fit to the samples of this CSV (written by --samples_csv) "
          "instead of collecting them; without --train and --val, and with "
          "the --model that collected them");
ABSL_FLAG(double, quantile, 0,
          "0: the score predicts the mean agreement (the paper); q in (0, 1): "
          "its q-quantile, a floor that 1 - q of the regions reach");

namespace tessera::tools {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "tessera-train-dn: %s\n", message.c_str());
  return 2;
}

absl::StatusOr<std::vector<DnSample>> Collect(
    const std::vector<std::string>& specs, worker::Segmenter& segmenter,
    worker::OpticalFlow& flow, const ClipOptions& clip_options,
    const DnDatasetOptions& options) {
  std::vector<DnSample> all;
  for (const std::string& spec : specs) {
    absl::StatusOr<std::unique_ptr<Clip>> clip = OpenClip(spec, clip_options);
    if (!clip.ok()) return clip.status();
    absl::StatusOr<std::vector<DnSample>> samples =
        BuildDnSamples(**clip, segmenter, flow, options);
    if (!samples.ok()) {
      return absl::Status(
          samples.status().code(),
          absl::StrFormat("%s: %s", spec, samples.status().message()));
    }
    double mean = 0;
    for (const DnSample& s : *samples) mean += s.agreement;
    std::printf("  %-40s %6zu samples, mean agreement %.2f %%\n", spec.c_str(),
                samples->size(),
                samples->empty() ? 0.0 : mean / samples->size());
    std::fflush(stdout);
    all.insert(all.end(), samples->begin(), samples->end());
  }
  return all;
}

int Run(const std::string& command_line) {
  const std::string model = absl::GetFlag(FLAGS_model);
  if (model.empty()) return Fail("--model is required");
  const std::string samples_from = absl::GetFlag(FLAGS_samples_from);
  if (!samples_from.empty() && (!absl::GetFlag(FLAGS_train).empty() ||
                                !absl::GetFlag(FLAGS_val).empty())) {
    return Fail(
        "--samples_from replaces --train and --val: give one or the "
        "other");
  }
  if (samples_from.empty() && (absl::GetFlag(FLAGS_train).empty() ||
                               absl::GetFlag(FLAGS_val).empty())) {
    return Fail("--train and --val each need at least one clip");
  }
  absl::StatusOr<GridSpec> grid =
      ParseGrid("--grid", absl::GetFlag(FLAGS_grid), absl::GetFlag(FLAGS_halo));
  if (!grid.ok()) return Fail(std::string(grid.status().message()));
  absl::StatusOr<Size> synth_size =
      ParseSize("--synth_size", absl::GetFlag(FLAGS_synth_size));
  if (!synth_size.ok()) return Fail(std::string(synth_size.status().message()));
  DnFitOptions fit_options;
  fit_options.epochs = absl::GetFlag(FLAGS_epochs);
  fit_options.quantile = absl::GetFlag(FLAGS_quantile);
  if (!(fit_options.quantile >= 0 && fit_options.quantile < 1)) {
    return Fail(absl::StrFormat("--quantile=%g: must be 0 or in (0, 1)",
                                fit_options.quantile));
  }
  fit_options.hidden.clear();
  for (absl::string_view width :
       absl::StrSplit(absl::GetFlag(FLAGS_hidden), ',')) {
    int value = 0;
    if (!absl::SimpleAtoi(width, &value) || value < 1) {
      return Fail(absl::StrFormat("--hidden=%s: expected widths like 32,32",
                                  absl::GetFlag(FLAGS_hidden)));
    }
    fit_options.hidden.push_back(value);
  }
  if (absl::GetFlag(FLAGS_max_gap) < 0 || absl::GetFlag(FLAGS_frame_step) < 1 ||
      fit_options.epochs < 1 || absl::GetFlag(FLAGS_threads) < 1) {
    return Fail(
        "--max_gap must be >= 0, --frame_step, --epochs and --threads >= 1");
  }
  // Before any model loads.
  const absl::StatusOr<SearchRadius> radius =
      worker::ParseFixedWarpRadius(absl::GetFlag(FLAGS_warp_radius));
  if (!radius.ok()) return Fail(std::string(radius.status().message()));
  const absl::StatusOr<int> colour_threshold =
      worker::ParseFixedColourThreshold(
          absl::GetFlag(FLAGS_warp_colour_threshold));
  if (!colour_threshold.ok()) {
    return Fail(std::string(colour_threshold.status().message()));
  }
  const absl::StatusOr<int> fill_threshold =
      worker::ParseFixedFillThreshold(absl::GetFlag(FLAGS_warp_fill_threshold));
  if (!fill_threshold.ok()) {
    return Fail(std::string(fill_threshold.status().message()));
  }

  worker::SegmenterOptions segmenter_options;
  segmenter_options.model_path = model;
  segmenter_options.threads = absl::GetFlag(FLAGS_threads);
  absl::StatusOr<std::unique_ptr<worker::Segmenter>> segmenter =
      worker::CreateSegmenter(segmenter_options);
  if (!segmenter.ok()) return Fail(std::string(segmenter.status().message()));
  worker::OpticalFlowOptions flow_options;
  flow_options.backend = absl::GetFlag(FLAGS_flow);
  flow_options.preset = absl::GetFlag(FLAGS_flow_preset);
  flow_options.scale = absl::GetFlag(FLAGS_flow_scale);
  flow_options.model_path = absl::GetFlag(FLAGS_flow_model);
  absl::StatusOr<std::unique_ptr<worker::OpticalFlow>> flow =
      worker::CreateOpticalFlow(flow_options);
  if (!flow.ok()) return Fail(std::string(flow.status().message()));
  at::set_num_threads(absl::GetFlag(FLAGS_threads));

  ClipOptions clip_options;
  clip_options.max_frames = absl::GetFlag(FLAGS_max_frames);
  clip_options.synth_size = *synth_size;
  clip_options.synth_scene_cut_every =
      absl::GetFlag(FLAGS_synth_scene_cut_every);
  DnDatasetOptions options;
  options.grid = *grid;
  options.max_gap = absl::GetFlag(FLAGS_max_gap);
  options.frame_step = absl::GetFlag(FLAGS_frame_step);
  absl::StatusOr<GuidedWarpOptions> warp =
      worker::WarpOptionsFor(*radius, absl::GetFlag(FLAGS_relocate_classes),
                             worker::ModelCardPathFor(model));
  if (!warp.ok()) return Fail(std::string(warp.status().message()));
  options.warp = *std::move(warp);
  options.warp.colour_threshold = *colour_threshold;
  options.warp.fill_threshold = *fill_threshold;
  options.carried_warps = absl::GetFlag(FLAGS_carry_warps);
  options.window_margin = absl::GetFlag(FLAGS_window_margin);
  if (options.window_margin < -1 ||
      options.window_margin > worker::kMaxWindowMargin) {
    return Fail(absl::StrFormat(
        "--window_margin=%d: expected -1 (the whole region) or a margin "
        "0..%d",
        options.window_margin, worker::kMaxWindowMargin));
  }
  absl::StatusOr<DnTarget> target = ParseDnTarget(absl::GetFlag(FLAGS_target));
  if (!target.ok()) return Fail(std::string(target.status().message()));
  options.target = *target;

  DnSampleSets samples;
  if (!samples_from.empty()) {
    absl::StatusOr<DnSampleSets> read = ReadDnSamplesCsv(samples_from);
    if (!read.ok()) return Fail(std::string(read.status().message()));
    samples = *std::move(read);
    // The network is for the model that collected the samples: the worker
    // warns when the two differ, so the file must not claim another.
    if (samples.origin.segmentation_model != (*segmenter)->model_name()) {
      return Fail(absl::StrFormat(
          "%s was collected with model %s, not %s (--model)", samples_from,
          samples.origin.segmentation_model, (*segmenter)->model_name()));
    }
    // The network records which warps it learned, and workers follow it.
    if (samples.origin.carried_warps != options.carried_warps) {
      return Fail(absl::StrFormat(
          "%s holds warps %s, but --carry_warps=%s", samples_from,
          worker::WarpSourceName(samples.origin.carried_warps),
          options.carried_warps ? "true" : "false"));
    }
    if (samples.origin.window_margin != options.window_margin) {
      return Fail(absl::StrFormat(
          "%s was collected on %s, but --window_margin=%d", samples_from,
          worker::DescribeFlowWindow(samples.origin.window_margin),
          options.window_margin));
    }
    // A file from before the radius was recorded cannot be checked: its
    // network records none, and workers then warp with their default.
    if (samples.origin.warp_radius.has_value() &&
        *samples.origin.warp_radius != options.warp.radius) {
      return Fail(absl::StrFormat(
          "%s holds warps searching %s pixels, but --warp_radius=%s",
          samples_from, SearchRadiusText(*samples.origin.warp_radius),
          SearchRadiusText(options.warp.radius)));
    }
    if (samples.origin.warp_colour_threshold != options.warp.colour_threshold) {
      return Fail(
          absl::StrFormat("%s holds warps with colour threshold %d, but "
                          "--warp_colour_threshold=%d",
                          samples_from, samples.origin.warp_colour_threshold,
                          options.warp.colour_threshold));
    }
    if (samples.origin.warp_fill_threshold != options.warp.fill_threshold) {
      return Fail(absl::StrFormat(
          "%s holds warps with fill threshold %s, but --warp_fill_threshold=%s",
          samples_from,
          worker::FillThresholdText(samples.origin.warp_fill_threshold),
          worker::FillThresholdText(options.warp.fill_threshold)));
    }
    if (!samples.origin.warp_radius.has_value()) {
      std::fprintf(stderr,
                   "tessera-train-dn: %s does not say how far its warps "
                   "searched: the network records no radius, and workers "
                   "using it warp with their default (%d)\n",
                   samples_from.c_str(), worker::kDefaultWarpRadius);
    }
    std::printf("%s: %zu training, %zu held-out samples (%s)\n",
                samples_from.c_str(), samples.train.size(), samples.val.size(),
                samples.origin.collection.c_str());
  } else {
    std::printf("training clips (%s, flow %s):\n",
                (*segmenter)->model_name().c_str(), (*flow)->name().c_str());
    absl::StatusOr<std::vector<DnSample>> train = Collect(
        absl::GetFlag(FLAGS_train), **segmenter, **flow, clip_options, options);
    if (!train.ok()) return Fail(std::string(train.status().message()));
    std::printf("held-out clips:\n");
    absl::StatusOr<std::vector<DnSample>> val = Collect(
        absl::GetFlag(FLAGS_val), **segmenter, **flow, clip_options, options);
    if (!val.ok()) return Fail(std::string(val.status().message()));
    samples.origin.segmentation_model = (*segmenter)->model_name();
    samples.origin.flow = (*flow)->name();
    samples.origin.carried_warps = options.carried_warps;
    samples.origin.window_margin = options.window_margin;
    samples.origin.warp_radius = options.warp.radius;
    samples.origin.warp_colour_threshold = options.warp.colour_threshold;
    samples.origin.warp_fill_threshold = options.warp.fill_threshold;
    samples.origin.collection = absl::StrFormat(
        "clips %s, held out %s, keys 0..%d frames back, frame step %d, "
        "%s, target %s, warp radius %s, colour threshold %d, fill "
        "threshold %s, relocated "
        "classes %s (search %d px a frame, at most %d)",
        absl::StrJoin(absl::GetFlag(FLAGS_train), ","),
        absl::StrJoin(absl::GetFlag(FLAGS_val), ","), options.max_gap,
        options.frame_step, options.grid.ToString(),
        DnTargetName(options.target), SearchRadiusText(options.warp.radius),
        options.warp.colour_threshold,
        worker::FillThresholdText(options.warp.fill_threshold),
        options.warp.relocation.labels.empty()
            ? std::string("none")
            : absl::StrJoin(options.warp.relocation.labels, ",",
                            [](std::string* out, uint8_t id) {
                              absl::StrAppend(out, static_cast<int>(id));
                            }),
        options.warp.relocation.search_per_frame,
        options.warp.relocation.search);
    samples.origin.command = command_line;
    samples.train = *std::move(train);
    samples.val = *std::move(val);
  }
  if (!absl::GetFlag(FLAGS_samples_csv).empty()) {
    if (absl::Status written =
            WriteDnSamplesCsv(absl::GetFlag(FLAGS_samples_csv), samples);
        !written.ok()) {
      return Fail(std::string(written.message()));
    }
  }

  absl::StatusOr<DnFit> fit =
      FitDecisionNetwork(samples.train, samples.val, fit_options);
  if (!fit.ok()) return Fail(std::string(fit.status().message()));
  const std::string out = absl::GetFlag(FLAGS_out).empty()
                              ? worker::DecisionNetworkPathFor(model)
                              : absl::GetFlag(FLAGS_out);
  std::string name = absl::GetFlag(FLAGS_name);
  if (name.empty()) {
    name = out.substr(out.find_last_of('/') + 1);
    name = name.substr(0, name.find('.'));
  }
  fit->spec.set_name(name);
  const std::string score =
      fit_options.quantile > 0
          ? absl::StrFormat("the agreement's %g-quantile", fit_options.quantile)
          : std::string("the mean agreement");
  fit->spec.set_description(absl::StrFormat(
      "DVSNet decision network for %s: %d train / %d held-out region "
      "samples, %s, warps %s, on %s; score: %s",
      samples.origin.segmentation_model, samples.train.size(),
      samples.val.size(), samples.origin.collection,
      worker::WarpSourceName(samples.origin.carried_warps),
      worker::DescribeFlowWindow(samples.origin.window_margin), score));
  fit->spec.set_segmentation_model(samples.origin.segmentation_model);
  fit->spec.set_flow(samples.origin.flow);
  fit->spec.set_carried_warps(samples.origin.carried_warps);
  if (samples.origin.window_margin >= 0) {
    fit->spec.set_window_margin(samples.origin.window_margin);
  }
  if (samples.origin.warp_radius.has_value()) {
    worker::RecordWarpRadius(*samples.origin.warp_radius, &fit->spec);
  }
  fit->spec.set_warp_colour_threshold(samples.origin.warp_colour_threshold);
  worker::RecordFillThreshold(samples.origin.warp_fill_threshold, &fit->spec);
  // Both steps, when the samples were collected by an earlier run.
  fit->spec.set_training(samples_from.empty()
                             ? command_line
                             : absl::StrCat(command_line, " (samples: ",
                                            samples.origin.command, ")"));
  if (absl::Status saved = worker::SaveDecisionNetwork(fit->spec, out);
      !saved.ok()) {
    return Fail(std::string(saved.message()));
  }
  std::printf(
      "decision network %s: best epoch %d; MAE train %.2f, held-out %.2f "
      "points (predicting the mean: %.2f); %.1f %% of held-out regions "
      "agree at least as much as predicted\n",
      out.c_str(), fit->best_epoch, fit->train_mae, fit->val_mae,
      fit->val_mae_of_mean, 100 * fit->val_coverage);
  if (fit_options.quantile > 0) {
    std::printf(
        "held-out pinball loss %.3f (predicting the training set's "
        "%g-quantile for every region: %.3f)\n",
        fit->val_pinball, fit_options.quantile, fit->val_pinball_of_constant);
  }
  std::vector<std::string> by_gap;
  for (size_t g = 0; g < fit->val_mae_by_gap.size(); ++g) {
    by_gap.push_back(absl::StrFormat("%d:%.2f", g, fit->val_mae_by_gap[g]));
  }
  std::printf("held-out MAE by key gap: %s\n",
              absl::StrJoin(by_gap, " ").c_str());
  return 0;
}

}  // namespace
}  // namespace tessera::tools

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tessera-train-dn --model=models/synth.pt --train=synth:1,synth:2 "
      "--val=synth:101");
  std::vector<std::string> args(argv, argv + argc);
  std::string command_line = "tessera-train-dn";
  for (int i = 1; i < argc; ++i) command_line += " " + args[i];
  absl::ParseCommandLine(argc, argv);
  tessera::KeepLargeAllocations();
  return tessera::tools::Run(command_line);
}
