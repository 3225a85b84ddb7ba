// A TorchScript optical flow network as the flow path's second backend.
// LibTorch stays in this file; its exceptions become statuses here.
#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_format.h"
#include "common/warp.h"
#include "worker/flow_backends.h"
#include "worker/torch_util.h"

namespace tessera::worker {
namespace {

class TorchFlow final : public OpticalFlow {
 public:
  TorchFlow(torch::jit::Module module, torch::Device device, double scale,
            std::string name)
      : module_(std::move(module)),
        device_(device),
        scale_(scale),
        name_(std::move(name)) {}

  absl::StatusOr<FlowField> Compute(const Image& current,
                                    const Image& key) override {
    if (absl::Status ok = CheckFlowInputs(current, key); !ok.ok()) return ok;
    try {
      torch::NoGradGuard no_grad;
      const torch::Tensor flow =
          module_.forward({Input(current), Input(key)}).toTensor();
      if (flow.dim() != 4 || flow.size(0) != 1 || flow.size(1) != 2) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "flow model %s returned shape %s, expected [1, 2, h, w]", name_,
            ShapeOf(flow)));
      }
      const torch::Tensor hwc = flow[0].permute({1, 2, 0}).contiguous().to(
          torch::kCPU, torch::kFloat32);
      FlowField field;
      field.height = static_cast<int>(hwc.size(0));
      field.width = static_cast<int>(hwc.size(1));
      field.vectors.resize(hwc.numel());
      std::memcpy(field.vectors.data(), hwc.data_ptr<float>(),
                  hwc.numel() * sizeof(float));
      return ResizeFlow(field, current.size());
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrFormat("flow model %s failed: %s",
                                                 name_, FirstLine(e.what())));
    }
  }

  std::string name() const override { return name_; }

 private:
  static std::string ShapeOf(const torch::Tensor& t) {
    std::string shape = "[";
    for (int64_t i = 0; i < t.dim(); ++i) {
      shape += (i ? ", " : "") + std::to_string(t.size(i));
    }
    return shape + "]";
  }

  torch::Tensor Input(const Image& image) const {
    torch::Tensor rgb =
        torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                         {1, image.height, image.width, 3}, torch::kUInt8)
            .to(device_)
            .permute({0, 3, 1, 2})
            .to(torch::kFloat32)
            .div_(255.0f);
    if (scale_ < 1) {
      const int64_t height = std::max<int64_t>(8, image.height * scale_);
      const int64_t width = std::max<int64_t>(8, image.width * scale_);
      rgb = at::upsample_bilinear2d(rgb, {height, width},
                                    /*align_corners=*/false);
    }
    return rgb;
  }

  torch::jit::Module module_;
  torch::Device device_;
  double scale_;
  std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpticalFlow>> CreateTorchFlow(
    const OpticalFlowOptions& options) {
  if (options.model_path.empty()) {
    return absl::InvalidArgumentError(
        "the torchscript flow backend needs a model file (--flow_model)");
  }
  if (!std::filesystem::is_regular_file(options.model_path)) {
    return absl::NotFoundError(
        absl::StrFormat("flow model %s does not exist", options.model_path));
  }
  absl::StatusOr<torch::Device> device = ParseTorchDevice(options.device);
  if (!device.ok()) return device.status();
  if (options.threads > 0) at::set_num_threads(options.threads);
  absl::StatusOr<torch::jit::Module> module =
      LoadTorchScript(options.model_path, *device, "flow model");
  if (!module.ok()) return module.status();
  auto flow = std::make_unique<TorchFlow>(
      *std::move(module), *device, options.scale,
      std::filesystem::path(options.model_path).stem().string());
  // A probe catches a module with the wrong signature at start-up, not on
  // the first region.
  Image probe = Image::Create(64, 48, 3);
  absl::StatusOr<FlowField> probed = flow->Compute(probe, probe);
  if (!probed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("flow model %s fails on a probe input: %s",
                        options.model_path, probed.status().message()));
  }
  return flow;
}

}  // namespace tessera::worker
