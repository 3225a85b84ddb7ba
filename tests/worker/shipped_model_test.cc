// The shipped models load in this LibTorch and compute what PyTorch recorded
// when they were exported (models/<name>.reference.json).
#include <torch/script.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "worker/model_card.h"
#include "worker/segmenter.h"

namespace tessera::worker {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;

const std::string kModels = TESSERA_MODELS_DIR;

Struct ReadJson(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  Struct json;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(text.str(), &json).ok())
      << path;
  return json;
}

// The recorded input: pixel[y][x][c] = (7x + 3y + 50c) % 256, 64x96 RGB.
Image ReferenceInput() {
  Image image = Image::Create(96, 64, 3);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 96; ++x) {
      for (int c = 0; c < 3; ++c) {
        image.at(x, y)[c] =
            static_cast<uint8_t>((7 * x + 3 * y + 50 * c) % 256);
      }
    }
  }
  return image;
}

class ShippedModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedModelTest, MatchesItsExportReference) {
  const std::string model = kModels + "/" + GetParam() + ".pt";
  const Struct reference =
      ReadJson(kModels + "/" + GetParam() + ".reference.json");
  absl::StatusOr<std::unique_ptr<Segmenter>> segmenter =
      CreateSegmenter({.model_path = model, .threads = 1});
  ASSERT_TRUE(segmenter.ok()) << segmenter.status();
  EXPECT_EQ((*segmenter)->num_classes(), 11);

  // Labels as the worker returns them: logits upsampled to the input, argmax.
  absl::StatusOr<Segmentation> out =
      (*segmenter)->Segment(ReferenceInput(), false);
  ASSERT_TRUE(out.ok()) << out.status();
  const ListValue& rows = reference.fields().at("labels_full").list_value();
  ASSERT_EQ(rows.values_size(), 64);
  int equal = 0;
  for (int y = 0; y < 64; ++y) {
    const ListValue& row = rows.values(y).list_value();
    ASSERT_EQ(row.values_size(), 96);
    for (int x = 0; x < 96; ++x) {
      equal += out->labels.at(x, y)[0] ==
               static_cast<int>(row.values(x).number_value());
    }
  }
  EXPECT_EQ(equal, 64 * 96);

  // Raw logits at the recorded positions, through LibTorch directly.
  absl::StatusOr<v1::ModelCard> card = LoadModelCard(ModelCardPathFor(model));
  ASSERT_TRUE(card.ok());
  torch::jit::Module module = torch::jit::load(model);
  module.eval();
  torch::Tensor input = torch::empty({1, 3, 64, 96});
  const Image pixels = ReferenceInput();
  for (int c = 0; c < 3; ++c) {
    const float gain = card->input_scale() / card->std(c);
    const float offset = card->mean(c) / card->std(c);
    for (int y = 0; y < 64; ++y) {
      for (int x = 0; x < 96; ++x) {
        input[0][c][y][x] = pixels.at(x, y)[c] * gain - offset;
      }
    }
  }
  c10::InferenceMode inference;
  torch::Tensor logits = module.forward({input}).toTensor();
  // The shape PyTorch recorded, and the one the card's stride implies.
  const ListValue& shape = reference.fields().at("output_shape").list_value();
  ASSERT_EQ(shape.values_size(), 4);
  std::vector<int64_t> recorded;
  for (const auto& v : shape.values()) {
    recorded.push_back(static_cast<int64_t>(v.number_value()));
  }
  const int64_t stride = card->output_stride();
  EXPECT_EQ(recorded, (std::vector<int64_t>{1, 11, (64 + stride - 1) / stride,
                                            (96 + stride - 1) / stride}));
  ASSERT_EQ(logits.sizes(), torch::IntArrayRef(recorded));
  const double tolerance =
      reference.fields().at("suggested_abs_tolerance").number_value();
  for (const auto& entry :
       reference.fields().at("logits_at").list_value().values()) {
    const Struct& at = entry.struct_value();
    const int y = static_cast<int>(at.fields().at("y").number_value());
    const int x = static_cast<int>(at.fields().at("x").number_value());
    const ListValue& values = at.fields().at("values").list_value();
    for (int k = 0; k < 11; ++k) {
      EXPECT_NEAR(logits[0][k][y][x].item<float>(),
                  values.values(k).number_value(), tolerance)
          << "class " << k << " at " << x << "," << y;
    }
  }
  EXPECT_NEAR(logits.sum().item<double>(),
              reference.fields().at("logits_sum").number_value(), 0.5);
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedModelTest,
                         ::testing::Values("camvid", "synth"));

}  // namespace
}  // namespace tessera::worker
