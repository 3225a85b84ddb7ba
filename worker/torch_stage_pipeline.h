// StagePipeline on a TorchScript module: the segmenter's own module, cut by
// ModelStages per the master's plan. Includes LibTorch: include it from .cc
// files only.
//
//   auto pipeline = std::make_shared<TorchStagePipeline>(module, device,
//                                                        torch::kFloat32);
//   // in the segmenter's forward:
//   if (auto scores = pipeline->ForwardAsHead(input)) return *scores;
//   return module.forward({input});
#ifndef TESSERA_WORKER_TORCH_STAGE_PIPELINE_H_
#define TESSERA_WORKER_TORCH_STAGE_PIPELINE_H_

#include <torch/script.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/image.h"
#include "worker/stage_pipeline.h"

namespace tessera::worker {

class TorchStagePipeline : public StagePipeline {
 public:
  // `hop_timeout`: how long a region may take from one stage to the end.
  TorchStagePipeline(torch::jit::Module module, torch::Device device,
                     torch::ScalarType dtype,
                     absl::Duration hop_timeout = absl::Seconds(5));
  ~TorchStagePipeline() override;

  absl::StatusOr<v1::StageServing> Measure(int probe_size,
                                           const std::string& address) override;
  absl::Status SetPlan(const v1::StagePlan& plan) override;
  std::string plan_id() const override;
  bool heads_pipeline() const override;
  void EmulateWith(std::shared_ptr<DevicePacer> pacer) override;
  absl::StatusOr<v1::StageActivations> Serve(
      const v1::StageActivations& in) override;

  // The network's outputs for `input` (NCHW, normalised, on the device)
  // through the pipeline this worker heads: each image of the batch is a
  // micro-batch, sent on as soon as stage 0 is done with it, so that the
  // later stages work on one region while this worker starts the next.
  // nullopt when this worker heads no pipeline (run the whole model).
  std::optional<absl::StatusOr<at::Tensor>> ForwardAsHead(
      const at::Tensor& input);

 private:
  struct Plan;
  std::shared_ptr<const Plan> CurrentPlan() const;
  // Stage `stage` of `plan` on `inputs` for a region of `region` pixels at
  // the network's input, one computation at a time per device (requests
  // of several regions arrive together); an emulated device pads it to
  // the stage's share of its segmentation time.
  absl::StatusOr<std::vector<at::Tensor>> RunStage(
      const Plan& plan, int stage, const std::vector<at::Tensor>& inputs,
      Size region);
  // Sends the tensors leaving `stage` to the next stage's worker.
  absl::StatusOr<v1::StageActivations> SendOn(
      const Plan& plan, int stage, const std::vector<at::Tensor>& outputs,
      Size region);
  // The share of the whole network's measured time in stage `stage` of
  // `plan` (an even share before Measure).
  double ShareOf(const v1::StagePlan& plan) const;

  torch::jit::Module module_;
  const torch::Device device_;
  const torch::ScalarType dtype_;
  const absl::Duration hop_timeout_;
  mutable absl::Mutex plan_mu_;
  std::shared_ptr<const Plan> plan_ ABSL_GUARDED_BY(plan_mu_);
  // What Measure found, for each stage's share of the work.
  std::vector<std::string> cut_points_ ABSL_GUARDED_BY(plan_mu_);
  std::vector<double> piece_ms_ ABSL_GUARDED_BY(plan_mu_);
  std::shared_ptr<DevicePacer> pacer_;  // set before serving; null: real
  absl::Mutex compute_mu_;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_TORCH_STAGE_PIPELINE_H_
