// tessera-train-dn fitting a network to a samples file: the network records
// the warp its samples were collected with, which workers then follow
// (worker/warp_options.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/integration/subprocess.h"
#include "tools/dn_samples_csv.h"
#include "tools/test_models.h"
#include "worker/decision_network.h"
#include "worker/warp_options.h"

namespace tessera::testing {
namespace {

using ::testing::HasSubstr;

// Samples that vary enough in every feature and in agreement to fit.
tools::DnSampleSets SomeSamples() {
  tools::DnSampleSets samples;
  samples.origin.segmentation_model = "random-fcn";  // WriteRandomModel's
  samples.origin.flow = "dis-ultrafast@1";
  samples.origin.carried_warps = true;  // tessera-train-dn's defaults
  samples.origin.window_margin = 16;
  samples.origin.warp_radius = SearchRadius(11, 5);
  samples.origin.warp_colour_threshold = 12;
  samples.origin.warp_fill_threshold = 40;
  for (int i = 0; i < 60; ++i) {
    tools::DnSample sample;
    sample.gap = i % 13;
    sample.agreement = 100.0f - static_cast<float>(sample.gap) - (i % 3);
    for (size_t f = 0; f < sample.features.size(); ++f) {
      sample.features[f] = static_cast<float>((i * (f + 3)) % 17);
    }
    (i % 4 == 0 ? samples.val : samples.train).push_back(sample);
  }
  return samples;
}

TEST(TrainDnTest, ANetworkRecordsTheWarpItsSamplesWereCollectedWith) {
  const std::string model = TempDir() + "/fit-model.pt";
  ASSERT_TRUE(tools::WriteRandomModel(model, {}).ok());
  const std::string samples_csv = TempDir() + "/fit-samples.csv";
  ASSERT_TRUE(tools::WriteDnSamplesCsv(samples_csv, SomeSamples()).ok());
  const std::string out = TempDir() + "/fit.dn.json";
  Subprocess fit({TESSERA_TRAIN_DN_BINARY, "--model=" + model,
                  "--samples_from=" + samples_csv, "--warp_radius=11x5",
                  "--warp_colour_threshold=12", "--warp_fill_threshold=40",
                  "--epochs=2", "--out=" + out},
                 "train-dn-fit");
  ASSERT_EQ(fit.Wait(60000), 0) << fit.log();

  absl::StatusOr<std::unique_ptr<worker::DecisionNetwork>> network =
      worker::LoadDecisionNetwork(out);
  ASSERT_TRUE(network.ok()) << network.status();
  const v1::DecisionNetwork& spec = (*network)->spec();
  EXPECT_EQ(worker::LearnedWarpRadius(spec), SearchRadius(11, 5));
  EXPECT_EQ(worker::LearnedColourThreshold(spec), 12);
  EXPECT_TRUE(spec.has_warp_colour_threshold());
  EXPECT_EQ(worker::LearnedFillThreshold(spec), 40);
  EXPECT_TRUE(spec.carried_warps());
  EXPECT_EQ(spec.window_margin(), 16);
  EXPECT_EQ(spec.segmentation_model(), "random-fcn");
}

TEST(TrainDnTest, AFitIsRefusedWhenTheFileWasFilledOtherwise) {
  const std::string model = TempDir() + "/refuse-model.pt";
  ASSERT_TRUE(tools::WriteRandomModel(model, {}).ok());
  const std::string samples_csv = TempDir() + "/refuse-samples.csv";
  ASSERT_TRUE(tools::WriteDnSamplesCsv(samples_csv, SomeSamples()).ok());
  Subprocess fit({TESSERA_TRAIN_DN_BINARY, "--model=" + model,
                  "--samples_from=" + samples_csv, "--warp_radius=11x5",
                  "--warp_colour_threshold=12", "--warp_fill_threshold=off",
                  "--out=" + TempDir() + "/refused.dn.json"},
                 "train-dn-refuse");
  EXPECT_NE(fit.Wait(60000), 0);
  EXPECT_THAT(fit.log(), HasSubstr("holds warps with fill threshold 40, but "
                                   "--warp_fill_threshold=off"));
}

}  // namespace
}  // namespace tessera::testing
