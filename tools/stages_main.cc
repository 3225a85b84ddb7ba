// tessera-stages: a segmentation network cut into pipeline stages, each
// stage's card (the tensors crossing its edges, their shapes and bytes) and
// its time per region on this CPU, against the whole model (issue 9).
//
//   tessera-stages --model=models/camvid.pt                  # the cut points
//   tessera-stages --model=models/camvid.pt --cuts=s16,ppm   # 3 stages
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/file_bytes.h"
#include "common/status_macros.h"
#include "tools/stage_profile.h"

ABSL_FLAG(std::string, model, "models/camvid.pt", "TorchScript model");
ABSL_FLAG(std::string, cuts, "",
          "comma list of submodules to cut before, in call order; empty: "
          "list the cut points");
ABSL_FLAG(std::string, frame, "",
          "image file used as the region (default: a generated 480x360 one)");
ABSL_FLAG(int, threads, 1, "intra-op threads");
ABSL_FLAG(int, runs, 20, "timed runs per stage");
ABSL_FLAG(double, link_mbps, 1000,
          "link speed for the transfer-time column, Mbit/s");
ABSL_FLAG(std::string, json, "", "also write the report here as JSON");

namespace tessera::tools {
namespace {

std::string Shapes(const std::vector<TensorCard>& cards) {
  std::vector<std::string> parts;
  for (const TensorCard& card : cards) {
    parts.push_back(card.name + " " + absl::StrJoin(card.shape, "x"));
  }
  return absl::StrJoin(parts, ", ");
}

absl::Status Run() {
  StageProfileOptions options;
  options.model_path = absl::GetFlag(FLAGS_model);
  options.cuts =
      absl::StrSplit(absl::GetFlag(FLAGS_cuts), ',', absl::SkipWhitespace());
  options.frame = absl::GetFlag(FLAGS_frame);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.runs = absl::GetFlag(FLAGS_runs);
  const double link_mbps = absl::GetFlag(FLAGS_link_mbps);
  if (options.threads < 1 || options.runs < 1 || link_mbps <= 0) {
    return absl::InvalidArgumentError(
        "--threads, --runs and --link_mbps must be positive");
  }
  ASSIGN_OR_RETURN(StageReport report, ProfileStages(options));

  std::printf("%s: cut points in call order: %s\n", report.model.c_str(),
              absl::StrJoin(report.cut_points, ", ").c_str());
  std::printf("%zu stages, input 1x3x%dx%d, %d thread(s), median of %d runs\n",
              report.stages.size(), report.height, report.width, report.threads,
              options.runs);
  std::printf("%-5s %-22s %8s %10s %10s %9s  %s\n", "stage", "submodules", "ms",
              "out KB", "fp16 KB", "link ms", "out tensors");
  double slowest = 0;
  double total = 0;
  for (size_t s = 0; s < report.stages.size(); ++s) {
    const StageProfile& stage = report.stages[s];
    const bool last = s + 1 == report.stages.size();
    // fp16 bytes over the link; the last stage's scores stay on its worker.
    const double link_ms =
        last ? 0 : stage.output_bytes_fp16 * 8.0 / (link_mbps * 1e3);
    std::printf("%-5zu %-22s %8.2f %10.1f %10.1f %9.2f  %s\n", s,
                absl::StrJoin(stage.submodules, ",").c_str(), stage.ms,
                stage.output_bytes_fp32 / 1024.0,
                stage.output_bytes_fp16 / 1024.0, link_ms,
                Shapes(stage.outputs).c_str());
    slowest = std::max(slowest, stage.ms);
    total += stage.ms;
  }
  const size_t count = report.stages.size();
  std::printf(
      "whole model %.2f ms; stages %.2f ms in all, slowest %.2f ms\n"
      "throughput bound: pipeline of %zu stage workers %.1f regions/s, "
      "%zu whole-model workers %.1f regions/s\n",
      report.whole_ms, total, slowest, count, 1000 / slowest, count,
      count * 1000 / report.whole_ms);
  std::printf(
      "stages vs whole model: fp32 %s; fp16 between stages: %.3f %% of "
      "labels agree\n",
      report.fp32_identical ? "identical" : "DIFFERENT",
      100 * report.fp16_label_agreement);
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty())
    RETURN_IF_ERROR(WriteFileBytes(json, StageReportJson(report)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace tessera::tools

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "A segmentation network cut into pipeline stages: each stage's "
      "tensors, bytes and time");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = tessera::tools::Run();
  if (!status.ok()) {
    std::fprintf(stderr, "tessera-stages: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
