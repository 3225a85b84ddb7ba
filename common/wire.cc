#include "common/wire.h"

#include "absl/strings/str_format.h"

namespace tessera {
namespace {

// Merges the message's declaration with the caller's expectation.
absl::StatusOr<ImageExpectation> Merge(const v1::ImageData& data,
                                       const ImageExpectation& expect) {
  if (data.width() < 0 || data.height() < 0 || data.channels() < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("declared size %dx%dx%d is negative", data.width(),
                        data.height(), data.channels()));
  }
  ImageExpectation merged{data.width(), data.height(), data.channels()};
  const int declared[] = {data.width(), data.height(), data.channels()};
  const int wanted[] = {expect.width, expect.height, expect.channels};
  int* out[] = {&merged.width, &merged.height, &merged.channels};
  for (int i = 0; i < 3; ++i) {
    if (wanted[i] == 0) continue;
    if (declared[i] != 0 && declared[i] != wanted[i]) {
      return absl::InvalidArgumentError(
          absl::StrFormat("declared size %dx%dx%d, expected %dx%dx%d",
                          data.width(), data.height(), data.channels(),
                          expect.width, expect.height, expect.channels));
    }
    *out[i] = wanted[i];
  }
  return merged;
}

}  // namespace

v1::Encoding ToProto(Encoding encoding) {
  switch (encoding) {
    case Encoding::kRaw:
      return v1::ENCODING_RAW;
    case Encoding::kJpeg:
      return v1::ENCODING_JPEG;
    case Encoding::kPng:
      return v1::ENCODING_PNG;
  }
  return v1::ENCODING_UNSPECIFIED;
}

absl::StatusOr<Encoding> FromProto(v1::Encoding encoding) {
  switch (encoding) {
    case v1::ENCODING_RAW:
      return Encoding::kRaw;
    case v1::ENCODING_JPEG:
      return Encoding::kJpeg;
    case v1::ENCODING_PNG:
      return Encoding::kPng;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown image encoding %d", static_cast<int>(encoding)));
  }
}

absl::StatusOr<Image> DecodeImageData(const v1::ImageData& data,
                                      const ImageExpectation& expect,
                                      const DecodeLimits& limits) {
  absl::StatusOr<Encoding> encoding = FromProto(data.encoding());
  if (!encoding.ok()) return encoding.status();
  absl::StatusOr<ImageExpectation> merged = Merge(data, expect);
  if (!merged.ok()) return merged.status();
  return DecodeImage(data.data(), *encoding, *merged, limits);
}

absl::StatusOr<v1::ImageData> EncodeImageData(const Image& image,
                                              Encoding encoding) {
  absl::StatusOr<std::string> bytes = EncodeImage(image, encoding);
  if (!bytes.ok()) return bytes.status();
  v1::ImageData data;
  data.set_encoding(ToProto(encoding));
  data.set_width(image.width);
  data.set_height(image.height);
  data.set_channels(image.channels);
  data.set_data(*std::move(bytes));
  return data;
}

v1::RegionTimings ToProto(const RegionTimings& timings) {
  v1::RegionTimings out;
  out.set_decode_ms(static_cast<float>(timings.decode_ms));
  out.set_segmentation_ms(static_cast<float>(timings.segmentation_ms));
  out.set_flow_ms(static_cast<float>(timings.flow_ms));
  out.set_decision_ms(static_cast<float>(timings.decision_ms));
  out.set_encode_ms(static_cast<float>(timings.encode_ms));
  return out;
}

RegionTimings FromProto(const v1::RegionTimings& timings) {
  return {.decode_ms = timings.decode_ms(),
          .segmentation_ms = timings.segmentation_ms(),
          .flow_ms = timings.flow_ms(),
          .decision_ms = timings.decision_ms(),
          .encode_ms = timings.encode_ms()};
}

}  // namespace tessera
