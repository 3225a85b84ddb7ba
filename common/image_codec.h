// Encoding and validated decoding of images and label maps (raw, JPEG, PNG).
// Decoding never trusts its input: sizes are read from the header and checked
// against the caller's expectation and limits before any pixel is decoded.
//
//   ASSIGN_OR_RETURN(std::string png, EncodeImage(labels, Encoding::kPng));
//   ASSIGN_OR_RETURN(Image back,
//                    DecodeImage(png, Encoding::kPng, {.channels = 1}));
#ifndef TESSERA_COMMON_IMAGE_CODEC_H_
#define TESSERA_COMMON_IMAGE_CODEC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/image.h"

namespace tessera {

enum class Encoding { kRaw, kJpeg, kPng };

std::string_view EncodingName(Encoding encoding);
// Accepts "raw", "jpeg"/"jpg", "png" (any case).
absl::StatusOr<Encoding> ParseEncoding(std::string_view name);

// What the caller expects; 0 means "any" for width/height/channels. RAW data
// needs all three.
struct ImageExpectation {
  int width = 0;
  int height = 0;
  int channels = 0;
};

struct DecodeLimits {
  int max_width = 8192;
  int max_height = 8192;
};

// JPEG supports 1 or 3 channels; PNG 1 or 3 (8 bit). Colour is RGB.
// `jpeg_quality` is 1..100.
absl::StatusOr<std::string> EncodeImage(const Image& image, Encoding encoding,
                                        int jpeg_quality = 90);

// Errors (all name what was wrong):
//  INVALID_ARGUMENT   empty or corrupt bytes, RAW size mismatch, decoded
//                     size or channel count differing from `expect`
//  RESOURCE_EXHAUSTED dimensions above `limits`
absl::StatusOr<Image> DecodeImage(std::string_view bytes, Encoding encoding,
                                  const ImageExpectation& expect,
                                  const DecodeLimits& limits = {});

// Reads width, height and channels from a PNG or JPEG header without decoding
// pixels. INVALID_ARGUMENT when the header is malformed or truncated.
absl::StatusOr<ImageExpectation> PeekImageHeader(std::string_view bytes,
                                                 Encoding encoding);

}  // namespace tessera

#endif  // TESSERA_COMMON_IMAGE_CODEC_H_
