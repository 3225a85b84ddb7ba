#include "tools/stage_profile.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/video_io.h"
#include "worker/model_card.h"
#include "worker/model_stages.h"
#include "worker/stage_wire.h"
#include "worker/torch_util.h"

namespace tessera::tools {
namespace {

using worker::ModelStages;

// The region as the network sees it: normalised as the card says, NCHW,
// zero-padded on the right and bottom to the card's size divisor (as the
// worker's segmenter pads).
absl::StatusOr<torch::Tensor> NetworkInput(const std::string& frame,
                                           const v1::ModelCard& card) {
  torch::Tensor input;
  if (frame.empty()) {
    // A smooth random scene: structure at 1/8 scale plus a little noise.
    torch::manual_seed(7);
    input = torch::nn::functional::interpolate(
                torch::randn({1, 3, 45, 60}),
                torch::nn::functional::InterpolateFuncOptions()
                    .size(std::vector<int64_t>{360, 480})
                    .mode(torch::kBilinear)
                    .align_corners(false)) +
            0.1 * torch::randn({1, 3, 360, 480});
  } else {
    ASSIGN_OR_RETURN(Image image, video_io::ReadImageFile(frame));
    if (image.channels != 3) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--frame %s: not an RGB image", frame));
    }
    torch::Tensor pixels =
        torch::from_blob(image.pixels.data(), {1, image.height, image.width, 3},
                         torch::kUInt8)
            .permute({0, 3, 1, 2})
            .to(torch::kFloat32);
    const worker::InputNormalisation normalisation =
        worker::NormalisationOf(card);
    input = pixels * torch::tensor(normalisation.gain).view({1, 3, 1, 1}) -
            torch::tensor(normalisation.offset).view({1, 3, 1, 1});
  }
  const int64_t divisor = std::max(1, card.size_divisor());
  const int64_t height = input.size(2);
  const int64_t width = input.size(3);
  const int64_t pad_h = (divisor - height % divisor) % divisor;
  const int64_t pad_w = (divisor - width % divisor) % divisor;
  return at::constant_pad_nd(input, {0, pad_w, 0, pad_h}, 0).contiguous();
}

template <typename Work>
double MedianMs(int runs, Work work) {
  work();  // untimed: the executor settles on its plan
  std::vector<double> ms;
  for (int i = 0; i < std::max(1, runs); ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

std::vector<TensorCard> Cards(const std::vector<std::string>& names,
                              const std::vector<at::Tensor>& tensors) {
  std::vector<TensorCard> cards;
  for (size_t i = 0; i < names.size(); ++i) {
    cards.push_back({names[i], tensors[i].sizes().vec()});
  }
  return cards;
}

std::string CardsJson(const std::vector<TensorCard>& cards) {
  std::vector<std::string> items;
  for (const TensorCard& card : cards) {
    items.push_back(absl::StrFormat(R"({"name": "%s", "shape": [%s]})",
                                    card.name,
                                    absl::StrJoin(card.shape, ", ")));
  }
  return "[" + absl::StrJoin(items, ", ") + "]";
}

}  // namespace

int64_t TensorCard::elements() const {
  int64_t count = 1;
  for (int64_t size : shape) count *= size;
  return count;
}

absl::StatusOr<StageReport> ProfileStages(const StageProfileOptions& options) {
  ASSIGN_OR_RETURN(
      v1::ModelCard card,
      worker::LoadModelCard(worker::ModelCardPathFor(options.model_path)));
  ASSIGN_OR_RETURN(
      torch::jit::Module module,
      worker::LoadTorchScript(options.model_path, torch::Device(torch::kCPU),
                              "model"));
  torch::set_num_threads(std::max(1, options.threads));
  StageReport report;
  report.model = card.name();
  report.threads = std::max(1, options.threads);
  ASSIGN_OR_RETURN(report.cut_points, ModelStages::CutPoints(module));
  ASSIGN_OR_RETURN(ModelStages stages, ModelStages::Cut(module, options.cuts));
  ASSIGN_OR_RETURN(torch::Tensor input, NetworkInput(options.frame, card));
  report.height = static_cast<int>(input.size(2));
  report.width = static_cast<int>(input.size(3));

  c10::InferenceMode inference;
  torch::Tensor whole;
  try {
    whole = module.forward({input}).toTensor();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "model %s failed on a %dx%d input: %s", options.model_path,
        report.width, report.height, worker::FirstLine(e.what())));
  }
  report.whole_ms = MedianMs(options.runs, [&] { module.forward({input}); });

  std::vector<at::Tensor> carried = {input};
  std::vector<at::Tensor> carried_fp16 = {input};
  for (int s = 0; s < stages.count(); ++s) {
    const worker::StageInfo& info = stages.info(s);
    StageProfile stage;
    stage.submodules = info.submodules;
    stage.inputs = Cards(info.inputs, carried);
    std::vector<at::Tensor> inputs = carried;
    ASSIGN_OR_RETURN(carried, stages.Run(s, inputs));
    stage.ms = MedianMs(options.runs, [&] { (void)stages.Run(s, inputs); });
    stage.outputs = Cards(info.outputs, carried);
    for (const TensorCard& out : stage.outputs) {
      stage.output_bytes_fp32 += 4 * out.elements();
      stage.output_bytes_fp16 += 2 * out.elements();
    }
    ASSIGN_OR_RETURN(carried_fp16, stages.Run(s, carried_fp16));
    if (s + 1 < stages.count()) {
      // Through the fp16 wire form they travel in between stage workers.
      for (at::Tensor& tensor : carried_fp16) {
        ASSIGN_OR_RETURN(v1::StageTensor wire,
                         worker::EncodeStageTensor("carried", tensor,
                                                   v1::StageTensor::FLOAT16));
        ASSIGN_OR_RETURN(tensor, worker::DecodeStageTensor(wire));
      }
    }
    report.stages.push_back(std::move(stage));
  }
  report.fp32_identical = torch::equal(carried.front(), whole);
  report.fp16_label_agreement = carried_fp16.front()
                                    .argmax(1)
                                    .eq(whole.argmax(1))
                                    .to(torch::kFloat64)
                                    .mean()
                                    .item<double>();
  return report;
}

std::string StageReportJson(const StageReport& report) {
  std::vector<std::string> stages;
  for (const StageProfile& stage : report.stages) {
    stages.push_back(absl::StrFormat(
        R"({"submodules": ["%s"], "inputs": %s, "outputs": %s, )"
        R"("output_bytes_fp32": %d, "output_bytes_fp16": %d, "ms": %.3f})",
        absl::StrJoin(stage.submodules, "\", \""), CardsJson(stage.inputs),
        CardsJson(stage.outputs), stage.output_bytes_fp32,
        stage.output_bytes_fp16, stage.ms));
  }
  return absl::StrFormat(
      R"({"model": "%s", "cut_points": ["%s"], "input": [1, 3, %d, %d], )"
      R"("threads": %d, "whole_ms": %.3f, "fp32_identical": %s, )"
      R"("fp16_label_agreement": %.6f, "stages": [%s]})"
      "\n",
      report.model, absl::StrJoin(report.cut_points, "\", \""), report.height,
      report.width, report.threads, report.whole_ms,
      report.fp32_identical ? "true" : "false", report.fp16_label_agreement,
      absl::StrJoin(stages, ", "));
}

}  // namespace tessera::tools
