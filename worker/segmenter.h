// The segmentation path behind one interface, whatever runs it: a TorchScript
// network on CPU or CUDA, or the named null backend used for transport
// benchmarks. Concrete backends live in their own .cc files.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Segmenter> segmenter,
//                    CreateSegmenter({.model_path = "models/synth.pt"}));
//   ASSIGN_OR_RETURN(Segmentation out, segmenter->Segment(region, false));
#ifndef TESSERA_WORKER_SEGMENTER_H_
#define TESSERA_WORKER_SEGMENTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera::worker {

class StagePipeline;  // worker/stage_pipeline.h

struct Segmentation {
  LabelMap labels;  // the input's size, one class id per pixel
  Image
      confidence;  // same size, 0..255 winning-class probability; may be empty
};

class Segmenter {
 public:
  virtual ~Segmenter() = default;
  // `image` is RGB. Not thread-safe: one call at a time per instance.
  virtual absl::StatusOr<Segmentation> Segment(const Image& image,
                                               bool want_confidence) = 0;
  // Several regions at once, in order: a backend that can runs regions of
  // the same size as one forward pass (a batch); this default segments
  // them one by one. The first failure fails the batch.
  virtual absl::StatusOr<std::vector<Segmentation>> SegmentBatch(
      const std::vector<const Image*>& images, bool want_confidence);
  virtual std::string model_name() const = 0;
  virtual std::string device() const = 0;
  virtual int num_classes() const = 0;
  // This segmenter's part in pipelined networks, when it was created to
  // serve stages (SegmenterOptions::serve_stages); null otherwise.
  virtual std::shared_ptr<StagePipeline> stage_pipeline() const {
    return nullptr;
  }
  // SegmentBatch may run on several threads at once right now: true for
  // the head of a pipeline on a CPU, whose batches mostly wait on the
  // other stages' workers.
  virtual bool concurrent_batches() const { return false; }
};

inline constexpr int kMaxSegmenterLanes = 8;

struct SegmenterOptions {
  std::string backend = "torchscript";  // or "null"
  std::string model_path;
  std::string card_path;       // empty: ModelCardPathFor(model_path)
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  int threads = 0;             // intra-op threads; 0: every core
  // Arithmetic of the network: "fp32", "fp16" (CUDA only) or "bf16".
  // Inputs are normalised and outputs compared in fp32 either way.
  std::string precision = "fp32";
  // Weights and activations in NHWC order (the tensor cores' layout).
  bool channels_last = false;
  // Replays the network and its post-processing as one CUDA graph per
  // region shape (CUDA builds, CUDA devices only).
  bool cuda_graphs = false;
  // On CUDA: upsampling, argmax and confidence in one kernel
  // (worker/fused_labels.h); off: the ATen ops, for comparison.
  bool fused_labels = true;
  // On CUDA: the network frozen with its batch norms folded
  // (torch::jit::optimize_for_inference) and cuDNN autotuned per shape.
  // Measured to help fp32 NCHW and to hurt fp16 and channels-last
  // (BENCHMARKS.md "GPU workers"), hence not the default.
  bool optimize = false;
  // Batches that may run at once, each on its own lane: on a GPU its own
  // stream, pinned buffers and graphs, so that one batch's copies overlap
  // another's kernels. concurrent_batches() is true with more than one.
  int lanes = 1;
  int null_classes = 11;  // classes the null backend pretends to have
  // Take part in pipelines of this network (issue 9): serve a stage to
  // other workers, or head a pipeline by running stage 0 and sending the
  // rest on. TorchScript backend only.
  bool serve_stages = false;
};

// Loads and checks the model: a missing or broken file, a card that
// disagrees with the network's output (class count, stride), an unavailable
// device or a precision it cannot run is refused here with one clear
// message.
absl::StatusOr<std::unique_ptr<Segmenter>> CreateSegmenter(
    const SegmenterOptions& options);

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_SEGMENTER_H_
