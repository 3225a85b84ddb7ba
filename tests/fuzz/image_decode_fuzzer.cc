// libFuzzer target: the image and label decoders every peer's bytes go
// through (DecodeImage for RAW, PNG and JPEG, PeekImageHeader, the
// wire-level DecodeImageData), with random declared sizes and limits.
// Any crash, hang, sanitizer report or a decoded image that disagrees with
// what was asked for is a finding.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>

#include "common/image_codec.h"
#include "common/wire.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  FuzzedDataProvider input(data, size);
  const Encoding encoding =
      input.PickValueInArray({Encoding::kRaw, Encoding::kPng, Encoding::kJpeg});
  const ImageExpectation expect{input.ConsumeIntegralInRange(-2, 300),
                                input.ConsumeIntegralInRange(-2, 300),
                                input.ConsumeIntegralInRange(-1, 4)};
  const DecodeLimits limits{input.ConsumeIntegralInRange(1, 512),
                            input.ConsumeIntegralInRange(1, 512)};
  const std::string bytes = input.ConsumeRemainingBytesAsString();

  absl::StatusOr<Image> image = DecodeImage(bytes, encoding, expect, limits);
  if (image.ok()) {
    Check(image->width > 0 && image->height > 0);
    Check(image->width <= limits.max_width &&
          image->height <= limits.max_height);
    Check(expect.width <= 0 || image->width == expect.width);
    Check(expect.height <= 0 || image->height == expect.height);
    Check(expect.channels <= 0 || image->channels == expect.channels);
    Check(image->pixels.size() ==
          static_cast<size_t>(image->width) * image->height * image->channels);
  }
  if (encoding != Encoding::kRaw) {
    (void)PeekImageHeader(bytes, encoding);
  }

  v1::ImageData message;
  message.set_encoding(static_cast<v1::Encoding>(
      static_cast<int>(data[0 % (size == 0 ? 1 : size)] % 5)));
  message.set_width(expect.width);
  message.set_height(expect.height);
  message.set_channels(expect.channels);
  message.set_data(bytes);
  if (size > 0) (void)DecodeImageData(message, {}, limits);
  return 0;
}
