// The shipped models cut into pipeline stages compute what the whole model
// computes: exactly in fp32, and with >= 99.5 % of the labels when the
// tensors crossing each cut travel in their fp16 wire form.
#include "worker/model_stages.h"

#include <torch/torch.h>

#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/stage_wire.h"
#include "worker/torch_util.h"

namespace tessera::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kModels = TESSERA_MODELS_DIR;

torch::jit::Module Load(const std::string& name) {
  absl::StatusOr<torch::jit::Module> module = LoadTorchScript(
      kModels + "/" + name + ".pt", torch::Device(torch::kCPU), "model");
  EXPECT_TRUE(module.ok()) << module.status();
  return *module;
}

// A normalised-looking input with structure (not noise), fixed by seed.
torch::Tensor Input(int height, int width) {
  torch::manual_seed(7);
  torch::Tensor smooth = torch::randn({1, 3, height / 8, width / 8});
  return torch::nn::functional::interpolate(
             smooth, torch::nn::functional::InterpolateFuncOptions()
                         .size(std::vector<int64_t>{height, width})
                         .mode(torch::kBilinear)
                         .align_corners(false)) +
         0.1 * torch::randn({1, 3, height, width});
}

std::vector<at::Tensor> RunAll(const ModelStages& stages,
                               std::vector<at::Tensor> carried,
                               bool fp16_between) {
  for (int s = 0; s < stages.count(); ++s) {
    absl::StatusOr<std::vector<at::Tensor>> out = stages.Run(s, carried);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return {};
    carried = *std::move(out);
    if (fp16_between && s + 1 < stages.count()) {
      for (at::Tensor& tensor : carried) {
        absl::StatusOr<v1::StageTensor> wire =
            EncodeStageTensor("x", tensor, v1::StageTensor::FLOAT16);
        EXPECT_TRUE(wire.ok()) << wire.status();
        absl::StatusOr<at::Tensor> back = DecodeStageTensor(*wire);
        EXPECT_TRUE(back.ok()) << back.status();
        tensor = *std::move(back);
      }
    }
  }
  return carried;
}

TEST(ModelStagesTest, CutPointsAreTheTopLevelCallsInOrder) {
  absl::StatusOr<std::vector<std::string>> points =
      ModelStages::CutPoints(Load("camvid"));
  ASSERT_TRUE(points.ok()) << points.status();
  EXPECT_THAT(*points, ElementsAre("stem", "s16", "s32", "ppm", "fuse16",
                                   "fuse8", "head"));
}

TEST(ModelStagesTest, SkipConnectionsTravelThroughTheStagesBetween) {
  absl::StatusOr<ModelStages> stages =
      ModelStages::Cut(Load("camvid"), {"s16", "ppm", "fuse8"});
  ASSERT_TRUE(stages.ok()) << stages.status();
  ASSERT_EQ(stages->count(), 4);
  EXPECT_THAT(stages->info(0).submodules, ElementsAre("stem"));
  EXPECT_THAT(stages->info(0).inputs, ElementsAre("input"));
  EXPECT_THAT(stages->info(0).outputs, ElementsAre("stem"));
  EXPECT_THAT(stages->info(1).submodules, ElementsAre("s16", "s32"));
  // The 1/8 features skip to fuse8, the 1/16 ones to fuse16.
  EXPECT_THAT(stages->info(1).outputs, ElementsAre("stem", "s16", "s32"));
  EXPECT_THAT(stages->info(2).submodules, ElementsAre("ppm", "fuse16"));
  EXPECT_THAT(stages->info(2).outputs, ElementsAre("stem", "fuse16"));
  EXPECT_THAT(stages->info(3).submodules, ElementsAre("fuse8", "head"));
  EXPECT_THAT(stages->info(3).outputs, ElementsAre("head"));
}

class StagedModelTest : public ::testing::TestWithParam<
                            std::tuple<std::string, std::vector<std::string>>> {
};

TEST_P(StagedModelTest, Fp32StagesGiveExactlyTheWholeModelsScores) {
  const auto& [name, cuts] = GetParam();
  torch::jit::Module module = Load(name);
  absl::StatusOr<ModelStages> stages = ModelStages::Cut(module, cuts);
  ASSERT_TRUE(stages.ok()) << stages.status();
  ASSERT_EQ(stages->count(), static_cast<int>(cuts.size()) + 1);
  c10::InferenceMode inference;
  for (auto [height, width] : {std::pair{96, 128}, std::pair{160, 224}}) {
    const torch::Tensor input = Input(height, width);
    const torch::Tensor whole = module.forward({input}).toTensor();
    const std::vector<at::Tensor> staged = RunAll(*stages, {input}, false);
    ASSERT_EQ(staged.size(), 1u);
    EXPECT_TRUE(torch::equal(staged[0], whole))
        << name << " " << height << "x" << width << ": max difference "
        << (staged[0] - whole).abs().max().item<float>();
  }
}

TEST_P(StagedModelTest, Fp16BetweenStagesKeepsTheLabels) {
  const auto& [name, cuts] = GetParam();
  torch::jit::Module module = Load(name);
  absl::StatusOr<ModelStages> stages = ModelStages::Cut(module, cuts);
  ASSERT_TRUE(stages.ok()) << stages.status();
  c10::InferenceMode inference;
  const torch::Tensor input = Input(192, 256);
  const torch::Tensor whole = module.forward({input}).toTensor().argmax(1);
  const std::vector<at::Tensor> staged = RunAll(*stages, {input}, true);
  ASSERT_EQ(staged.size(), 1u);
  const double agreement =
      staged[0].argmax(1).eq(whole).to(torch::kFloat).mean().item<double>();
  EXPECT_GE(agreement, 0.995) << name;
}

INSTANTIATE_TEST_SUITE_P(
    Shipped, StagedModelTest,
    ::testing::Values(
        std::tuple{"camvid", std::vector<std::string>{"s32"}},
        std::tuple{"camvid", std::vector<std::string>{"s16", "ppm", "fuse8"}},
        std::tuple{"camvid",
                   std::vector<std::string>{"s16", "s32", "ppm", "fuse16",
                                            "fuse8", "head"}},
        std::tuple{"synth",
                   std::vector<std::string>{"stem.2", "s16", "fuse16"}}));

TEST(ModelStagesTest, BadCutsAreRefusedNamingTheCutPoints) {
  torch::jit::Module module = Load("camvid");
  const std::string points =
      "cut points in call order: stem, s16, s32, ppm, fuse16, fuse8, head";
  absl::StatusOr<ModelStages> unknown = ModelStages::Cut(module, {"decoder"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      unknown.status().message(),
      HasSubstr("cut 'decoder' is not a submodule forward calls; " + points));
  absl::StatusOr<ModelStages> backwards =
      ModelStages::Cut(module, {"ppm", "s16"});
  EXPECT_THAT(backwards.status().message(),
              HasSubstr("cut 's16' is not a submodule forward calls after "
                        "'ppm'"));
  absl::StatusOr<ModelStages> twice = ModelStages::Cut(module, {"s16", "s16"});
  EXPECT_THAT(twice.status().message(), HasSubstr("after 's16'"));
  absl::StatusOr<ModelStages> first = ModelStages::Cut(module, {"stem"});
  EXPECT_THAT(first.status().message(),
              HasSubstr("cut before 'stem' leaves stage 0 empty"));
}

TEST(ModelStagesTest, RunRefusesAWrongStageOrInputCount) {
  absl::StatusOr<ModelStages> stages =
      ModelStages::Cut(Load("camvid"), {"ppm"});
  ASSERT_TRUE(stages.ok()) << stages.status();
  EXPECT_THAT(stages->Run(2, {}).status().message(),
              HasSubstr("stage 2 does not exist: the model has 2 stages"));
  EXPECT_THAT(stages->Run(1, {torch::zeros({1, 64, 4, 4})}).status().message(),
              HasSubstr("stage 1 takes 3 tensors (stem, s16, s32), got 1"));
  absl::StatusOr<std::vector<at::Tensor>> wrong_shape =
      stages->Run(1, {torch::zeros({1, 1, 4, 4}), torch::zeros({1, 1, 2, 2}),
                      torch::zeros({1, 1, 1, 1})});
  EXPECT_EQ(wrong_shape.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(wrong_shape.status().message(), HasSubstr("stage 1 failed"));
}

}  // namespace
}  // namespace tessera::worker
