// A TorchScript segmentation network cut into pipeline stages (issue 9).
// The forward graph of the loaded module is cut before each named top-level
// submodule call; each stage runs its slice of that graph on the same
// module, taking the tensors that cross the cut before it and returning the
// tensors that cross the cut after it. A skip connection (a tensor made in
// stage 0 and used in stage 3) travels through the stages in between. Run
// one after another, the stages compute what forward computes, operation for
// operation.
//
// Includes LibTorch: include it from .cc files only.
//
//   ASSIGN_OR_RETURN(ModelStages stages, ModelStages::Cut(module, {"s16"}));
//   std::vector<at::Tensor> carried = {input};
//   for (int s = 0; s < stages.count(); ++s) {
//     ASSIGN_OR_RETURN(carried, stages.Run(s, carried));
//   }  // carried: {forward(input)}
#ifndef TESSERA_WORKER_MODEL_STAGES_H_
#define TESSERA_WORKER_MODEL_STAGES_H_

#include <torch/script.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tessera::worker {

// What one stage does and what crosses its edges. A tensor is named after
// the submodule call that made it ("s16"), or "input" for the network's
// input; other values by their place in the graph ("%42").
struct StageInfo {
  std::vector<std::string> submodules;  // the top-level calls it makes
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

class ModelStages {
 public:
  // Cuts `module`'s forward before each submodule named in `cuts`, given in
  // the order forward calls them: n cuts make n + 1 stages. INVALID_ARGUMENT
  // naming the problem (and the cut points there are) for an unknown name, a
  // name out of order or twice, a cut before the first call, or a cut that a
  // value other than a tensor would have to cross.
  static absl::StatusOr<ModelStages> Cut(torch::jit::Module module,
                                         const std::vector<std::string>& cuts);

  // The top-level submodules forward calls, in call order: where cuts go.
  static absl::StatusOr<std::vector<std::string>> CutPoints(
      const torch::jit::Module& module);

  ModelStages(ModelStages&&) noexcept;
  ModelStages& operator=(ModelStages&&) noexcept;
  ~ModelStages();

  int count() const;
  const StageInfo& info(int stage) const;

  // Stage `stage` on its inputs (as many as info(stage).inputs, in that
  // order). INVALID_ARGUMENT for a wrong stage or input count, INTERNAL
  // naming the stage for what LibTorch throws.
  absl::StatusOr<std::vector<at::Tensor>> Run(
      int stage, const std::vector<at::Tensor>& inputs) const;

 private:
  struct Stage;
  ModelStages(torch::jit::Module module,
              std::vector<std::unique_ptr<Stage>> stages);

  torch::jit::Module module_;
  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_MODEL_STAGES_H_
