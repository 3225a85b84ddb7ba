// Tensors crossing a pipeline cut survive their wire form: exactly in fp32,
// to fp16's precision at half the bytes; malformed messages are refused
// naming the tensor.
#include "worker/stage_wire.h"

#include <torch/torch.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(StageWireTest, Fp32IsExactAndFp16IsHalfTheBytes) {
  torch::manual_seed(3);
  const at::Tensor tensor = torch::randn({1, 64, 6, 5}) * 10;
  absl::StatusOr<v1::StageTensor> fp32 =
      EncodeStageTensor("s16", tensor, v1::StageTensor::FLOAT32);
  ASSERT_TRUE(fp32.ok()) << fp32.status();
  EXPECT_EQ(fp32->name(), "s16");
  EXPECT_THAT(fp32->shape(), ElementsAre(1, 64, 6, 5));
  EXPECT_EQ(fp32->data().size(), 4u * 64 * 6 * 5);
  absl::StatusOr<at::Tensor> back = DecodeStageTensor(*fp32);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(torch::equal(*back, tensor));

  absl::StatusOr<v1::StageTensor> fp16 =
      EncodeStageTensor("s16", tensor, v1::StageTensor::FLOAT16);
  ASSERT_TRUE(fp16.ok()) << fp16.status();
  EXPECT_EQ(fp16->data().size(), 2u * 64 * 6 * 5);
  absl::StatusOr<at::Tensor> half = DecodeStageTensor(*fp16);
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_EQ(half->scalar_type(), torch::kFloat32);
  // fp16 keeps 11 significant bits: relative error <= 2^-11.
  EXPECT_LE(((*half - tensor).abs() / tensor.abs().clamp_min(1e-3))
                .max()
                .item<float>(),
            1.0f / 2048);
}

TEST(StageWireTest, MalformedMessagesAreRefusedNamingTheTensor) {
  v1::StageTensor wire;
  wire.set_name("fuse16");
  wire.add_shape(2);
  wire.add_shape(3);
  wire.set_dtype(v1::StageTensor::FLOAT16);
  wire.set_data(std::string(11, '\0'));
  EXPECT_THAT(DecodeStageTensor(wire).status().message(),
              HasSubstr("stage tensor fuse16 of shape 2x3 in FLOAT16 needs "
                        "12 bytes, got 11"));
  wire.set_shape(1, -3);
  EXPECT_THAT(DecodeStageTensor(wire).status().message(),
              HasSubstr("stage tensor fuse16 has shape 2x-3: negative"));
  wire.set_shape(1, int64_t{1} << 40);
  EXPECT_EQ(DecodeStageTensor(wire).status().code(),
            absl::StatusCode::kInvalidArgument);
  wire.set_shape(1, 3);
  wire.set_dtype(static_cast<v1::StageTensor::DType>(7));
  EXPECT_THAT(DecodeStageTensor(wire).status().message(),
              HasSubstr("stage tensor fuse16 has unknown dtype 7"));
  EXPECT_THAT(EncodeStageTensor("labels", torch::zeros({2}, torch::kLong),
                                v1::StageTensor::FLOAT32)
                  .status()
                  .message(),
              HasSubstr("stage tensor labels is Long, not floating point"));
}

}  // namespace
}  // namespace tessera::worker
