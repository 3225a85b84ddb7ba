// The TorchScript segmentation path. Everything LibTorch stays in this file:
// exceptions (c10::Error, std::exception) are caught here and become statuses.
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "worker/cuda_graphs.h"
#include "worker/cuda_stream.h"
#include "worker/fused_labels.h"
#include "worker/model_card.h"
#include "worker/segmenter_backends.h"
#include "worker/torch_stage_pipeline.h"
#include "worker/torch_util.h"

namespace tessera::worker {
namespace {

// The class-score tensor of a forward pass: a tensor, the first element of a
// tuple, or the "out" entry of a dict (torchvision's segmentation models).
absl::StatusOr<torch::Tensor> ScoresOf(const c10::IValue& output) {
  if (output.isTensor()) return output.toTensor();
  if (output.isTuple() && !output.toTupleRef().elements().empty() &&
      output.toTupleRef().elements()[0].isTensor()) {
    return output.toTupleRef().elements()[0].toTensor();
  }
  if (output.isGenericDict()) {
    auto dict = output.toGenericDict();
    if (dict.contains("out") && dict.at("out").isTensor()) {
      return dict.at("out").toTensor();
    }
  }
  return absl::InvalidArgumentError(
      "model output is not a tensor, a tuple starting with one, or a dict "
      "with an 'out' tensor");
}

// The network's arithmetic. Half precision convolutions need CUDA; bf16
// runs on both (slowly on CPUs without bf16 instructions).
absl::StatusOr<torch::ScalarType> ParsePrecision(const std::string& name,
                                                 const torch::Device& device) {
  if (name == "fp32") return torch::kFloat32;
  if (name == "bf16") return torch::kBFloat16;
  if (name == "fp16") {
    if (!device.is_cuda()) {
      return absl::InvalidArgumentError(
          "precision fp16 needs a CUDA device; on CPU use fp32 or bf16");
    }
    return torch::kFloat16;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("precision '%s' is not fp32, fp16 or bf16", name));
}

// Every 4-D parameter (convolution weights) in NHWC order, so that a
// channels-last input runs the NHWC kernels without converting weights on
// each call.
void MakeChannelsLast(torch::jit::Module& module) {
  torch::NoGradGuard no_grad;
  for (const torch::jit::NameTensor& parameter : module.named_parameters()) {
    torch::Tensor tensor = parameter.value;
    if (tensor.dim() == 4) {
      tensor.set_data(tensor.contiguous(at::MemoryFormat::ChannelsLast));
    }
  }
}

int RoundUp(int value, int multiple) {
  return multiple <= 1 ? value : (value + multiple - 1) / multiple * multiple;
}

class TorchSegmenter : public Segmenter {
 public:
  TorchSegmenter(torch::jit::Module module, v1::ModelCard card,
                 torch::Device device, std::string device_name,
                 torch::ScalarType dtype, bool channels_last, bool cuda_graphs,
                 bool serve_stages, bool fused_labels, int lanes)
      : module_(std::move(module)),
        card_(std::move(card)),
        device_(device),
        device_name_(std::move(device_name)),
        dtype_(dtype),
        fused_labels_(fused_labels && device.is_cuda() && FusedLabelsBuiltIn()),
        memory_format_(channels_last ? at::MemoryFormat::ChannelsLast
                                     : at::MemoryFormat::Contiguous) {
    const InputNormalisation normalisation = NormalisationOf(card_);
    gain_ = torch::tensor(normalisation.gain).view({1, 3, 1, 1}).to(device_);
    offset_ =
        torch::tensor(normalisation.offset).view({1, 3, 1, 1}).to(device_);
    if (serve_stages) {
      pipeline_ =
          std::make_shared<TorchStagePipeline>(module_, device_, dtype_);
    }
    for (int i = 0; i < std::max(1, lanes); ++i) {
      lanes_.push_back(MakeLane(cuda_graphs));
      free_lanes_.push_back(lanes_.back().get());
    }
  }

  absl::StatusOr<Segmentation> Segment(const Image& image,
                                       bool want_confidence) override {
    absl::StatusOr<std::vector<Segmentation>> one =
        SegmentBatch({&image}, want_confidence);
    if (!one.ok()) return one.status();
    return std::move(one->front());
  }

  // Regions of one size go through the network together; the others in
  // their own passes. Nothing is padded to a common size, so each region's
  // labels are exactly those of segmenting it alone.
  absl::StatusOr<std::vector<Segmentation>> SegmentBatch(
      const std::vector<const Image*>& images, bool want_confidence) override {
    for (const Image* image : images) {
      if (image->channels != 3 || image->empty()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("segmenter needs an RGB image, got %dx%dx%d",
                            image->width, image->height, image->channels));
      }
    }
    std::vector<Segmentation> out(images.size());
    std::vector<bool> done(images.size(), false);
    for (size_t first = 0; first < images.size(); ++first) {
      if (done[first]) continue;
      std::vector<size_t> group;
      for (size_t i = first; i < images.size(); ++i) {
        if (!done[i] && images[i]->size() == images[first]->size()) {
          group.push_back(i);
          done[i] = true;
        }
      }
      const Size size = images[first]->size();
      try {
        std::vector<const Image*> same;
        for (size_t i : group) same.push_back(images[i]);
        std::vector<Segmentation> results = Run(same, want_confidence);
        for (size_t k = 0; k < group.size(); ++k) {
          out[group[k]] = std::move(results[k]);
        }
      } catch (const std::exception& e) {
        return absl::InternalError(absl::StrFormat(
            "model %s failed on %d %dx%d region(s): %s", card_.name(),
            group.size(), size.width, size.height, FirstLine(e.what())));
      }
    }
    return out;
  }

  // Runs the network on `input` (NCHW float, normalised) and returns scores.
  // Through the pipeline this worker heads, if it heads one.
  absl::StatusOr<torch::Tensor> Forward(const torch::Tensor& input) {
    if (pipeline_) {
      if (std::optional<absl::StatusOr<at::Tensor>> scores =
              pipeline_->ForwardAsHead(input)) {
        return *std::move(scores);
      }
    }
    return ScoresOf(module_.forward({input}));
  }

  std::string model_name() const override { return card_.name(); }
  std::string device() const override { return device_name_; }
  int num_classes() const override { return card_.num_classes(); }
  std::shared_ptr<StagePipeline> stage_pipeline() const override {
    return pipeline_;
  }
  // Batches run side by side on lanes of their own (on a GPU, one copies
  // while another computes), or at the head of a CPU pipeline, whose
  // batches mostly wait on other workers.
  bool concurrent_batches() const override {
    if (pipeline_) return !device_.is_cuda() && pipeline_->heads_pipeline();
    return lanes_.size() > 1;
  }

  const v1::ModelCard& card() const { return card_; }
  const torch::Device& torch_device() const { return device_; }

  // NHWC uint8 pixels on the device to the network's input: NCHW, in its
  // precision and memory layout. Normalising happens in fp32.
  torch::Tensor Normalise(const torch::Tensor& rgb_nhwc) const {
    return rgb_nhwc.permute({0, 3, 1, 2})
        .to(torch::kFloat32)
        .mul_(gain_)
        .sub_(offset_)
        .to(dtype_)
        .contiguous(memory_format_);
  }

 private:
  // What one batch under way owns, so that several can be: its stream on a
  // GPU, pinned buffers for its pixels and labels, and its CUDA graphs (a
  // graph reads and writes fixed tensors, so two batches cannot replay one
  // at once).
  struct Lane {
    std::unique_ptr<DeviceStream> stream;  // none on a CPU
    torch::Tensor staging;                 // pinned pixels for the upload
    torch::Tensor results;                 // pinned labels (+ confidence)
    std::unique_ptr<GraphedStep> graphed_labels;
    std::unique_ptr<GraphedStep> graphed_with_confidence;
  };

  std::unique_ptr<Lane> MakeLane(bool cuda_graphs) {
    auto lane = std::make_unique<Lane>();
    if (device_.is_cuda()) {
      lane->stream = std::make_unique<DeviceStream>(device_.index());
    }
    if (cuda_graphs) {
      lane->graphed_labels =
          std::make_unique<GraphedStep>([this](const torch::Tensor& pixels) {
            return LabelPixels(pixels, false);
          });
      lane->graphed_with_confidence =
          std::make_unique<GraphedStep>([this](const torch::Tensor& pixels) {
            return LabelPixels(pixels, true);
          });
    }
    return lane;
  }

  // Holds `mu` shared, or alone for a graph capture, until scope end.
  class DeviceTurn {
   public:
    DeviceTurn(absl::Mutex& mu, bool alone) : mu_(mu), alone_(alone) {
      if (alone_) {
        mu_.WriterLock();
      } else {
        mu_.ReaderLock();
      }
    }
    ~DeviceTurn() {
      if (alone_) {
        mu_.WriterUnlock();
      } else {
        mu_.ReaderUnlock();
      }
    }
    DeviceTurn(const DeviceTurn&) = delete;
    DeviceTurn& operator=(const DeviceTurn&) = delete;

   private:
    absl::Mutex& mu_;
    const bool alone_;
  };

  // The lane that has been free longest (so that lanes take turns), waiting
  // for one if all are in use.
  Lane& AcquireLane() {
    absl::MutexLock lock(
        &lanes_mu_, absl::Condition(
                        +[](std::deque<Lane*>* free) { return !free->empty(); },
                        &free_lanes_));
    Lane* lane = free_lanes_.front();
    free_lanes_.pop_front();
    return *lane;
  }

  void ReleaseLane(Lane& lane) {
    absl::MutexLock lock(&lanes_mu_);
    free_lanes_.push_back(&lane);
  }

  // The regions as one NHWC uint8 tensor on the host. On CPU a single
  // region is used in place; for a GPU the regions are copied into the
  // lane's pinned buffer, reused from call to call, so that the upload is a
  // single asynchronous DMA and the steady state allocates nothing.
  torch::Tensor HostPixels(Lane& lane,
                           const std::vector<const Image*>& images) {
    const int count = static_cast<int>(images.size());
    const int height = images.front()->height;
    const int width = images.front()->width;
    const size_t bytes = images.front()->pixels.size();
    if (count == 1 && !device_.is_cuda()) {
      return torch::from_blob(const_cast<uint8_t*>(images[0]->pixels.data()),
                              {1, height, width, 3}, torch::kUInt8);
    }
    const int64_t needed = static_cast<int64_t>(bytes) * count;
    torch::Tensor buffer;
    if (device_.is_cuda()) {
      // The previous upload from this buffer has finished: every call ends
      // by copying its labels back, which waits for the lane's stream.
      buffer = PinnedBytes(lane.staging, needed);
    } else {
      buffer = torch::empty({needed}, torch::kUInt8);
    }
    for (int i = 0; i < count; ++i) {
      std::memcpy(buffer.data_ptr<uint8_t>() + i * bytes,
                  images[i]->pixels.data(), bytes);
    }
    return buffer.view({count, height, width, 3});
  }

  // The first `bytes` of `buffer`, a pinned host buffer grown as needed.
  static torch::Tensor PinnedBytes(torch::Tensor& buffer, int64_t bytes) {
    if (!buffer.defined() || buffer.numel() < bytes) {
      buffer = torch::empty(
          {bytes},
          torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(true));
    }
    return buffer.narrow(0, 0, bytes);
  }

  // `images` all have one size. Throws what LibTorch throws.
  std::vector<Segmentation> Run(const std::vector<const Image*>& images,
                                bool want_confidence) {
    // On a CPU a lane holds nothing a call could share: calls run side by
    // side as they come (a pipeline's head overlaps its batches so).
    if (!device_.is_cuda()) {
      return RunOnLane(*lanes_.front(), images, want_confidence);
    }
    Lane& lane = AcquireLane();
    try {
      std::vector<Segmentation> out = RunOnLane(lane, images, want_confidence);
      ReleaseLane(lane);
      return out;
    } catch (...) {
      // Its upload may still be reading the lane's pinned buffer.
      try {
        lane.stream->Synchronize();
      } catch (...) {
      }
      ReleaseLane(lane);
      throw;
    }
  }

  std::vector<Segmentation> RunOnLane(Lane& lane,
                                      const std::vector<const Image*>& images,
                                      bool want_confidence) {
    c10::InferenceMode inference;
    const int height = images.front()->height;
    const int width = images.front()->width;
    const int count = static_cast<int>(images.size());
    GraphedStep* graphed = want_confidence ? lane.graphed_with_confidence.get()
                                           : lane.graphed_labels.get();
    std::vector<torch::Tensor> labelled;
    {
      // Lanes share the device, except while one captures a graph: CUDA
      // allows no other work then (not even a pinned allocation, so the
      // staging copy is in here too). Waiting captures go first.
      const bool captures =
          graphed != nullptr &&
          !graphed->ReadyFor({count, height, width, 3}, torch::kUInt8);
      DeviceTurn turn(device_mu_, captures);
      const torch::Tensor host = HostPixels(lane, images);
      std::optional<DeviceStream::Current> on_lane_stream;
      if (lane.stream) on_lane_stream.emplace(*lane.stream);
      const torch::Tensor pixels = host.to(device_, /*non_blocking=*/true);
      labelled = graphed != nullptr ? graphed->Run(pixels)
                                    : LabelPixels(pixels, want_confidence);
      labelled = ToHost(lane, labelled);
    }
    const torch::Tensor& labels = labelled[0];
    torch::Tensor confidence;
    if (want_confidence) confidence = labelled[1];
    const size_t plane = static_cast<size_t>(width) * height;
    std::vector<Segmentation> out(count);
    for (int i = 0; i < count; ++i) {
      out[i].labels = LabelMap::Create(width, height, 1);
      std::memcpy(out[i].labels.pixels.data(),
                  labels.data_ptr<uint8_t>() + i * plane, plane);
      if (want_confidence) {
        out[i].confidence = Image::Create(width, height, 1);
        std::memcpy(out[i].confidence.pixels.data(),
                    confidence.data_ptr<uint8_t>() + i * plane, plane);
      }
    }
    return out;
  }

  // `on_device`'s uint8 tensors as contiguous host tensors. From a GPU
  // they land in the lane's pinned buffer, valid until its next call;
  // returns once they are there.
  std::vector<torch::Tensor> ToHost(
      Lane& lane, const std::vector<torch::Tensor>& on_device) {
    std::vector<torch::Tensor> out;
    if (!device_.is_cuda()) {
      for (const torch::Tensor& tensor : on_device) {
        out.push_back(tensor.contiguous());
      }
      return out;
    }
    int64_t bytes = 0;
    for (const torch::Tensor& tensor : on_device) bytes += tensor.numel();
    torch::Tensor buffer = PinnedBytes(lane.results, bytes);
    int64_t offset = 0;
    for (const torch::Tensor& tensor : on_device) {
      torch::Tensor host =
          buffer.narrow(0, offset, tensor.numel()).view(tensor.sizes());
      host.copy_(tensor, /*non_blocking=*/true);
      out.push_back(host);
      offset += tensor.numel();
    }
    lane.stream->Synchronize();
    return out;
  }

  // The whole device-side step for NHWC uint8 pixels on the device: the
  // network's input, the forward pass, scores at the pixels' size, and per
  // pixel the winning class (and, if wanted, its probability in 0..255),
  // as uint8 [N, H, W] tensors on the device. Throws on failure.
  std::vector<torch::Tensor> LabelPixels(const torch::Tensor& pixels,
                                         bool want_confidence) {
    const int height = static_cast<int>(pixels.size(1));
    const int width = static_cast<int>(pixels.size(2));
    torch::Tensor input = Normalise(pixels);
    const bool fixed = card_.input_width() > 0;
    int padded_h = height;
    int padded_w = width;
    if (fixed) {
      input = at::upsample_bilinear2d(
          input, {card_.input_height(), card_.input_width()}, false);
    } else if (card_.size_divisor() > 1) {
      padded_h = RoundUp(height, card_.size_divisor());
      padded_w = RoundUp(width, card_.size_divisor());
      if (padded_h != height || padded_w != width) {
        input = at::constant_pad_nd(
            input, {0, padded_w - width, 0, padded_h - height}, 0);
      }
    }
    absl::StatusOr<torch::Tensor> scores = Forward(input);
    if (!scores.ok()) throw std::runtime_error(scores.status().ToString());
    const int out_h = fixed ? height : padded_h;
    const int out_w = fixed ? width : padded_w;
    if (fused_labels_) {
      return FusedLabels(*scores, out_h, out_w, height, width, want_confidence);
    }
    torch::Tensor logits = scores->to(torch::kFloat32);
    // Stride-1 networks already answer at the input's size.
    if (logits.size(2) != out_h || logits.size(3) != out_w) {
      logits = at::upsample_bilinear2d(logits, {out_h, out_w}, false);
    }
    if (out_h != height || out_w != width) {
      logits = logits.slice(2, 0, height).slice(3, 0, width);
    }
    // One reduction gives both the winning class and its score.
    auto [best, classes] = logits.max(1);
    std::vector<torch::Tensor> out = {classes.to(torch::kUInt8)};
    if (want_confidence) {
      // Winning probability = exp(best - logsumexp), without a softmax of
      // every class.
      out.push_back((best - logits.logsumexp(1))
                        .exp_()
                        .mul_(255)
                        .round_()
                        .to(torch::kUInt8));
    }
    return out;
  }

  torch::jit::Module module_;
  v1::ModelCard card_;
  torch::Device device_;
  std::string device_name_;
  torch::ScalarType dtype_;
  const bool fused_labels_;  // the CUDA label kernel after the network
  at::MemoryFormat memory_format_;
  torch::Tensor gain_;
  torch::Tensor offset_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  absl::Mutex lanes_mu_;
  std::deque<Lane*> free_lanes_ ABSL_GUARDED_BY(lanes_mu_);
  absl::Mutex device_mu_;                         // see RunOnLane
  std::shared_ptr<TorchStagePipeline> pipeline_;  // with serve_stages
};

// Runs one probe input through the network and checks that what comes out
// matches the card: 4-D, one image, num_classes channels, the stated stride.
absl::Status CheckOutputAgainstCard(TorchSegmenter& segmenter) {
  const v1::ModelCard& card = segmenter.card();
  int probe_h = card.input_height();
  int probe_w = card.input_width();
  if (probe_w == 0) {
    const int multiple =
        card.output_stride() * std::max(1, card.size_divisor());
    probe_h = probe_w = RoundUp(64, multiple);
  }
  c10::InferenceMode inference;
  torch::Tensor probe = torch::zeros({1, probe_h, probe_w, 3}, torch::kUInt8);
  absl::StatusOr<torch::Tensor> scores = segmenter.Forward(
      segmenter.Normalise(probe.to(segmenter.torch_device())));
  if (!scores.ok()) return scores.status();
  if (scores->dim() != 4 || scores->size(0) != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("model output has shape %s; expected [1, %d, H, W]",
                        c10::str(scores->sizes()), card.num_classes()));
  }
  if (scores->size(1) != card.num_classes()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("model outputs %d classes but its card says %d",
                        scores->size(1), card.num_classes()));
  }
  const int stride = card.output_stride();
  const int expected_h = probe_h / stride;
  const int expected_w = probe_w / stride;
  if (std::abs(scores->size(2) - expected_h) > 1 ||
      std::abs(scores->size(3) - expected_w) > 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "model outputs %dx%d scores for a %dx%d input, i.e. not output "
        "stride %d as its card says",
        scores->size(3), scores->size(2), probe_w, probe_h, stride));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Segmenter>> CreateTorchSegmenter(
    const SegmenterOptions& options) {
  if (options.model_path.empty()) {
    return absl::InvalidArgumentError("no model file given (--model)");
  }
  const std::string card_path = options.card_path.empty()
                                    ? ModelCardPathFor(options.model_path)
                                    : options.card_path;
  absl::StatusOr<v1::ModelCard> card = LoadModelCard(card_path);
  if (!card.ok()) return card.status();
  absl::StatusOr<torch::Device> device = ParseTorchDevice(options.device);
  if (!device.ok()) return device.status();
  absl::StatusOr<torch::ScalarType> dtype =
      ParsePrecision(options.precision, *device);
  if (!dtype.ok()) return dtype.status();
  if (options.cuda_graphs && !(device->is_cuda() && CudaGraphsBuiltIn())) {
    return absl::InvalidArgumentError(
        "CUDA graphs need a CUDA device and a LibTorch built with CUDA");
  }
  if (options.lanes < 1 || options.lanes > kMaxSegmenterLanes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d lanes: a segmenter runs 1..%d batches at once",
                        options.lanes, kMaxSegmenterLanes));
  }
  if (options.lanes > 1 && options.serve_stages) {
    return absl::InvalidArgumentError(
        "several lanes and pipeline stages do not mix: choose one");
  }
  if (options.cuda_graphs && options.serve_stages) {
    // A captured graph cannot wait on another worker.
    return absl::InvalidArgumentError(
        "CUDA graphs and pipeline stages do not mix: choose one");
  }

  // Debian's LibTorch starts with one intra-op thread: always set it.
  const int threads =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);

  absl::StatusOr<torch::jit::Module> module =
      LoadTorchScript(options.model_path, *device, "model");
  if (!module.ok()) return module.status();
  try {
    if (*dtype != torch::kFloat32) module->to(*dtype);
    if (options.channels_last) MakeChannelsLast(*module);
    // On a GPU: batch norms folded into their convolutions and the module
    // frozen (its submodules inlined, so not where stages are cut), and
    // cuDNN left to time its algorithms for each region shape it meets.
    if (device->is_cuda() && options.optimize && !options.serve_stages) {
      at::globalContext().setBenchmarkCuDNN(true);
      *module = torch::jit::optimize_for_inference(*module);
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "model %s cannot be converted to %s%s: %s", options.model_path,
        options.precision, options.channels_last ? ", channels-last" : "",
        FirstLine(e.what())));
  }
  auto segmenter = std::make_unique<TorchSegmenter>(
      *std::move(module), *std::move(card), *device, options.device, *dtype,
      options.channels_last, options.cuda_graphs, options.serve_stages,
      options.fused_labels, options.lanes);
  absl::Status checked;
  try {
    checked = CheckOutputAgainstCard(*segmenter);
  } catch (const std::exception& e) {
    checked = absl::InvalidArgumentError(absl::StrFormat(
        "model fails on a probe input: %s", FirstLine(e.what())));
  }
  if (!checked.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("model %s: %s", options.model_path, checked.message()));
  }
  return segmenter;
}

}  // namespace tessera::worker
