#include "worker/torch_stage_pipeline.h"

#include <grpcpp/grpcpp.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/elapsed.h"
#include "common/grpc_status.h"
#include "common/transport_args.h"
#include "tessera/v1/stage.grpc.pb.h"
#include "worker/device_profile.h"
#include "worker/model_stages.h"
#include "worker/stage_wire.h"
#include "worker/torch_util.h"

namespace tessera::worker {

struct TorchStagePipeline::Plan {
  v1::StagePlan wire;
  ModelStages stages;
  std::unique_ptr<v1::Pipeline::Stub> next;  // null for the last stage
  double share = 1;  // of the whole network's work, for emulated devices
};

TorchStagePipeline::TorchStagePipeline(torch::jit::Module module,
                                       torch::Device device,
                                       torch::ScalarType dtype,
                                       absl::Duration hop_timeout)
    : module_(std::move(module)),
      device_(device),
      dtype_(dtype),
      hop_timeout_(hop_timeout) {}

TorchStagePipeline::~TorchStagePipeline() = default;

std::shared_ptr<const TorchStagePipeline::Plan>
TorchStagePipeline::CurrentPlan() const {
  absl::MutexLock lock(&plan_mu_);
  return plan_;
}

bool TorchStagePipeline::heads_pipeline() const {
  std::shared_ptr<const Plan> plan = CurrentPlan();
  return plan && plan->wire.stage() == 0 && plan->wire.stages() >= 2;
}

void TorchStagePipeline::EmulateWith(std::shared_ptr<DevicePacer> pacer) {
  pacer_ = std::move(pacer);
}

double TorchStagePipeline::ShareOf(const v1::StagePlan& plan) const {
  absl::MutexLock lock(&plan_mu_);
  const int stages = plan.cuts_size() + 1;
  double total = 0;
  for (double ms : piece_ms_) total += ms;
  auto index = [&](const std::string& point) {
    return static_cast<int>(
        std::find(cut_points_.begin(), cut_points_.end(), point) -
        cut_points_.begin());
  };
  const int begin = plan.stage() == 0 ? 0 : index(plan.cuts(plan.stage() - 1));
  const int end = plan.stage() == stages - 1
                      ? static_cast<int>(cut_points_.size())
                      : index(plan.cuts(plan.stage()));
  if (!(total > 0) || begin >= end ||
      end > static_cast<int>(piece_ms_.size())) {
    return 1.0 / stages;  // not measured here, or cut elsewhere
  }
  double share = 0;
  for (int i = begin; i < end; ++i) share += piece_ms_[i];
  return share / total;
}

std::string TorchStagePipeline::plan_id() const {
  std::shared_ptr<const Plan> plan = CurrentPlan();
  return plan ? plan->wire.plan_id() : "";
}

absl::StatusOr<v1::StageServing> TorchStagePipeline::Measure(
    int probe_size, const std::string& address) {
  absl::StatusOr<std::vector<std::string>> points =
      ModelStages::CutPoints(module_);
  if (!points.ok()) return points.status();
  if (points->size() < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the model calls %d top-level submodule(s) in forward: nothing to cut "
        "into stages (serve it whole, without --stage_listen)",
        points->size()));
  }
  // Keep the cut points the model can really be cut at (no non-tensor value
  // crosses them); the first call is where the input enters.
  std::vector<std::string> usable = {points->front()};
  for (size_t i = 1; i < points->size(); ++i) {
    if (ModelStages::Cut(module_, {(*points)[i]}).ok()) {
      usable.push_back((*points)[i]);
    }
  }
  absl::StatusOr<ModelStages> pieces = ModelStages::Cut(
      module_, std::vector<std::string>(usable.begin() + 1, usable.end()));
  if (!pieces.ok()) return pieces.status();

  // After one warm-up; the median is kept (workers starting together
  // disturb each other's timings).
  constexpr int kRuns = 5;
  std::vector<std::vector<double>> times(pieces->count());
  c10::InferenceMode inference;
  const at::Tensor probe =
      torch::zeros({1, 3, probe_size, probe_size},
                   torch::TensorOptions().device(device_).dtype(dtype_));
  for (int run = 0; run <= kRuns; ++run) {
    std::vector<at::Tensor> carried = {probe};
    for (int piece = 0; piece < pieces->count(); ++piece) {
      absl::MutexLock lock(&compute_mu_);
      const auto start = std::chrono::steady_clock::now();
      absl::StatusOr<std::vector<at::Tensor>> out = pieces->Run(piece, carried);
      if (!out.ok()) return out.status();
      if (device_.is_cuda()) torch::cuda::synchronize();
      if (run > 0) times[piece].push_back(MillisecondsSince(start));
      carried = *std::move(out);
    }
  }
  std::vector<double> piece_ms;
  for (std::vector<double>& piece : times) {
    std::nth_element(piece.begin(), piece.begin() + kRuns / 2, piece.end());
    piece_ms.push_back(piece[kRuns / 2]);
  }
  {
    absl::MutexLock lock(&plan_mu_);
    cut_points_ = usable;
    piece_ms_ = piece_ms;
  }
  // An emulated device reports the profile's time, split as measured here.
  double scale = 1;
  if (pacer_) {
    double total = 0;
    for (double ms : piece_ms) total += ms;
    scale = pacer_->StepMs(DevicePacer::Step::kSegmentation,
                           {probe_size, probe_size}) /
            total;
  }
  v1::StageServing serving;
  serving.set_address(address);
  for (const std::string& point : usable) serving.add_cut_points(point);
  for (double ms : piece_ms) {
    serving.add_piece_ms(static_cast<float>(ms * scale));
  }
  serving.set_probe(absl::StrFormat(
      "1x3x%dx%d %s%s", probe_size, probe_size, c10::toString(dtype_),
      pacer_ ? " as " + pacer_->profile().name() : std::string()));
  return serving;
}

absl::Status TorchStagePipeline::SetPlan(const v1::StagePlan& plan) {
  if (plan.plan_id().empty()) {
    absl::MutexLock lock(&plan_mu_);
    plan_.reset();
    return absl::OkStatus();
  }
  const int stages = plan.cuts_size() + 1;
  if (plan.stages() != stages || plan.stage() < 0 || plan.stage() >= stages) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pipeline plan %s: stage %d of %d does not fit %d cut(s)",
        plan.plan_id(), plan.stage(), plan.stages(), plan.cuts_size()));
  }
  const bool last = plan.stage() == stages - 1;
  if (last != plan.next_address().empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pipeline plan %s: stage %d of %d %s a next stage address",
        plan.plan_id(), plan.stage(), stages, last ? "has" : "lacks"));
  }
  absl::StatusOr<ModelStages> cut = ModelStages::Cut(
      module_,
      std::vector<std::string>(plan.cuts().begin(), plan.cuts().end()));
  if (!cut.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pipeline plan %s: %s", plan.plan_id(), cut.status().message()));
  }
  auto next = std::make_shared<Plan>(
      Plan{plan, *std::move(cut), nullptr, ShareOf(plan)});
  if (!last) {
    next->next = v1::Pipeline::NewStub(grpc::CreateCustomChannel(
        plan.next_address(), grpc::InsecureChannelCredentials(),
        PixelChannelArguments()));
  }
  absl::MutexLock lock(&plan_mu_);
  plan_ = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<at::Tensor>> TorchStagePipeline::RunStage(
    const Plan& plan, int stage, const std::vector<at::Tensor>& inputs,
    Size region) {
  absl::MutexLock lock(&compute_mu_);
  const DevicePacer::Clock::time_point start = DevicePacer::Clock::now();
  c10::InferenceMode inference;
  absl::StatusOr<std::vector<at::Tensor>> out = plan.stages.Run(stage, inputs);
  if (out.ok() && pacer_) {
    pacer_->PadFraction(DevicePacer::Step::kSegmentation, region, plan.share,
                        start);
  }
  return out;
}

absl::StatusOr<v1::StageActivations> TorchStagePipeline::SendOn(
    const Plan& plan, int stage, const std::vector<at::Tensor>& outputs,
    Size region) {
  v1::StageActivations message;
  message.set_stage(stage);
  message.set_plan_id(plan.wire.plan_id());
  message.set_region_width(region.width);
  message.set_region_height(region.height);
  const StageInfo& info = plan.stages.info(stage);
  for (size_t i = 0; i < outputs.size(); ++i) {
    absl::StatusOr<v1::StageTensor> tensor =
        EncodeStageTensor(info.outputs[i], outputs[i], plan.wire.wire());
    if (!tensor.ok()) return tensor.status();
    *message.add_tensors() = *std::move(tensor);
  }
  if (!plan.next) return message;  // the last stage: the network's outputs
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(hop_timeout_));
  v1::StageActivations reply;
  const grpc::Status status = plan.next->Forward(&context, message, &reply);
  if (!status.ok()) {
    const absl::Status error = FromGrpcStatus(status);
    return absl::UnavailableError(absl::StrFormat(
        "pipeline %s: stage %d at %s failed: %s", plan.wire.plan_id(),
        stage + 1, plan.wire.next_address(), error.ToString()));
  }
  return reply;
}

absl::StatusOr<v1::StageActivations> TorchStagePipeline::Serve(
    const v1::StageActivations& in) {
  std::shared_ptr<const Plan> plan = CurrentPlan();
  if (!plan) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "this worker serves no pipeline stage (tensors of plan %s)",
        in.plan_id()));
  }
  if (in.plan_id() != plan->wire.plan_id()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("tensors of pipeline %s reached a worker of %s",
                        in.plan_id(), plan->wire.plan_id()));
  }
  const int stage = plan->wire.stage();
  if (stage == 0 || in.stage() != stage - 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("pipeline %s: stage %d got the tensors of stage %d",
                        plan->wire.plan_id(), stage, in.stage()));
  }
  const std::vector<std::string>& expected = plan->stages.info(stage).inputs;
  std::vector<std::string> names;
  for (const v1::StageTensor& tensor : in.tensors()) {
    names.push_back(tensor.name());
  }
  if (names != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pipeline %s: stage %d takes [%s], got [%s]", plan->wire.plan_id(),
        stage, absl::StrJoin(expected, ", "), absl::StrJoin(names, ", ")));
  }
  std::vector<at::Tensor> inputs;
  for (const v1::StageTensor& tensor : in.tensors()) {
    absl::StatusOr<at::Tensor> decoded = DecodeStageTensor(tensor);
    if (!decoded.ok()) return decoded.status();
    inputs.push_back(decoded->to(device_, dtype_));
  }
  const Size region{in.region_width(), in.region_height()};
  absl::StatusOr<std::vector<at::Tensor>> outputs =
      RunStage(*plan, stage, inputs, region);
  if (!outputs.ok()) return outputs.status();
  return SendOn(*plan, stage, *outputs, region);
}

std::optional<absl::StatusOr<at::Tensor>> TorchStagePipeline::ForwardAsHead(
    const at::Tensor& input) {
  std::shared_ptr<const Plan> plan = CurrentPlan();
  if (!plan || plan->wire.stage() != 0) return std::nullopt;
  const Size region{static_cast<int>(input.size(3)),
                    static_cast<int>(input.size(2))};
  std::vector<std::future<absl::StatusOr<v1::StageActivations>>> replies;
  for (int64_t i = 0; i < input.size(0); ++i) {
    absl::StatusOr<std::vector<at::Tensor>> outputs =
        RunStage(*plan, 0, {input.slice(0, i, i + 1)}, region);
    if (!outputs.ok()) return outputs.status();
    replies.push_back(std::async(
        std::launch::async, [this, plan, region, out = *std::move(outputs)] {
          return SendOn(*plan, 0, out, region);
        }));
  }
  std::vector<at::Tensor> scores;
  absl::Status failed;
  for (auto& pending : replies) {
    absl::StatusOr<v1::StageActivations> reply = pending.get();
    if (!failed.ok()) continue;
    if (!reply.ok()) {
      failed = reply.status();
    } else if (reply->tensors_size() != 1) {
      failed = absl::InternalError(absl::StrFormat(
          "pipeline %s answered %d tensors; the network has one output",
          plan->wire.plan_id(), reply->tensors_size()));
    } else if (absl::StatusOr<at::Tensor> tensor =
                   DecodeStageTensor(reply->tensors(0));
               tensor.ok()) {
      scores.push_back(tensor->to(device_));
    } else {
      failed = tensor.status();
    }
  }
  if (!failed.ok()) return failed;
  return torch::cat(scores, 0);
}

}  // namespace tessera::worker
