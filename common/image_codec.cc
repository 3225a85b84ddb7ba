#include "common/image_codec.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "common/image_header.h"
#include "common/pixel_codecs.h"
#include "common/status_macros.h"

namespace tessera {
namespace {

// Name for messages about compressed data ("PNG is 640x480, ...").
const char* DisplayName(Encoding encoding) {
  return encoding == Encoding::kPng ? "PNG" : "JPEG";
}

// "1 channel" / "3 channels".
std::string Channels(int n) {
  return absl::StrFormat("%d channel%s", n, n == 1 ? "" : "s");
}

// 0 in an expectation means "any"; print it so.
std::string Dim(int n) { return n == 0 ? "*" : absl::StrFormat("%d", n); }

absl::StatusOr<ImageHeader> PeekHeader(std::string_view bytes,
                                       Encoding encoding) {
  switch (encoding) {
    case Encoding::kPng:
      return ParsePngHeader(bytes);
    case Encoding::kJpeg:
      return ParseJpegHeader(bytes);
    case Encoding::kRaw:
      return absl::InvalidArgumentError("raw data has no header");
  }
  return absl::InvalidArgumentError("unknown encoding");
}

absl::StatusOr<Image> DecodeRaw(std::string_view bytes,
                                const ImageExpectation& expect,
                                const DecodeLimits& limits) {
  if (expect.width <= 0 || expect.height <= 0 || expect.channels <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "raw data needs a positive width, height and channel count; got %dx%d, "
        "%s",
        expect.width, expect.height, Channels(expect.channels)));
  }
  if (expect.width > limits.max_width || expect.height > limits.max_height) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "raw image is %dx%d, above the %dx%d limit", expect.width,
        expect.height, limits.max_width, limits.max_height));
  }
  // Dividing rather than multiplying cannot overflow whatever the limits.
  const uint64_t area = static_cast<uint64_t>(expect.width) * expect.height;
  const size_t channels = static_cast<size_t>(expect.channels);
  if (bytes.size() % channels != 0 || bytes.size() / channels != area) {
    return absl::InvalidArgumentError(
        absl::StrFormat("raw data is %d bytes, expected %dx%dx%d", bytes.size(),
                        expect.width, expect.height, expect.channels));
  }
  Image image;
  image.width = expect.width;
  image.height = expect.height;
  image.channels = expect.channels;
  image.pixels.assign(bytes.begin(), bytes.end());
  return image;
}

// Checks a decoded or announced channel count against the expectation and
// against what Image supports.
absl::Status CheckChannels(Encoding encoding, int channels,
                           const ImageExpectation& expect) {
  if (expect.channels != 0 && channels != expect.channels) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s image has %s, expected %d", DisplayName(encoding),
                        Channels(channels), expect.channels));
  }
  if (channels != 1 && channels != 3) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s image has %s; only 1 or 3 are supported",
                        DisplayName(encoding), Channels(channels)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Image> DecodeCompressed(std::string_view bytes,
                                       Encoding encoding,
                                       const ImageExpectation& expect,
                                       const DecodeLimits& limits) {
  const char* name = DisplayName(encoding);
  // Everything that can be judged from the header is judged before libpng or
  // libjpeg allocates anything.
  ASSIGN_OR_RETURN(const ImageHeader header, PeekHeader(bytes, encoding));
  if (header.width > limits.max_width || header.height > limits.max_height) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s is %dx%d, above the %dx%d limit", name, header.width, header.height,
        limits.max_width, limits.max_height));
  }
  if ((expect.width != 0 && header.width != expect.width) ||
      (expect.height != 0 && header.height != expect.height)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is %dx%d, expected %sx%s", name, header.width,
                        header.height, Dim(expect.width), Dim(expect.height)));
  }
  RETURN_IF_ERROR(CheckChannels(encoding, header.channels, expect));
  if (header.bit_depth > 8) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s has %d-bit samples; only 8-bit is supported", name,
                        header.bit_depth));
  }
  if (encoding == Encoding::kPng) {
    RETURN_IF_ERROR(CheckPngComplete(bytes));
  } else {
    RETURN_IF_ERROR(CheckJpegComplete(bytes));
  }

  Image image;
  if (encoding == Encoding::kPng) {
    ASSIGN_OR_RETURN(image, DecodePngPixels(bytes, header));
  } else {
    ASSIGN_OR_RETURN(image, DecodeJpegPixels(bytes, header));
  }
  return image;
}

absl::Status ValidateForEncoding(const Image& image, Encoding encoding,
                                 int jpeg_quality) {
  if (image.width <= 0 || image.height <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot encode an empty image (%dx%d)", image.width, image.height));
  }
  if (image.channels != 1 && image.channels != 3) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot encode an image with %s; only 1 or 3",
                        Channels(image.channels)));
  }
  const uint64_t expected =
      static_cast<uint64_t>(image.width) * image.height * image.channels;
  if (image.pixels.size() != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "image holds %d bytes, expected %dx%dx%d = %d", image.pixels.size(),
        image.width, image.height, image.channels, expected));
  }
  if (jpeg_quality < 1 || jpeg_quality > 100) {
    return absl::InvalidArgumentError(
        absl::StrFormat("JPEG quality %d is outside 1..100", jpeg_quality));
  }
  constexpr int kJpegMaxSide = 65535;  // 16-bit fields in the frame header
  if (encoding == Encoding::kJpeg &&
      (image.width > kJpegMaxSide || image.height > kJpegMaxSide)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("JPEG cannot hold %dx%d; sides are at most %d",
                        image.width, image.height, kJpegMaxSide));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kRaw:
      return "raw";
    case Encoding::kJpeg:
      return "jpeg";
    case Encoding::kPng:
      return "png";
  }
  return "unknown";
}

absl::StatusOr<Encoding> ParseEncoding(std::string_view name) {
  const std::string lower =
      absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "raw") return Encoding::kRaw;
  if (lower == "jpeg" || lower == "jpg") return Encoding::kJpeg;
  if (lower == "png") return Encoding::kPng;
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown encoding \"%s\"; expected raw, jpeg or png", name));
}

absl::StatusOr<std::string> EncodeImage(const Image& image, Encoding encoding,
                                        int jpeg_quality) {
  RETURN_IF_ERROR(ValidateForEncoding(image, encoding, jpeg_quality));
  if (encoding == Encoding::kRaw) {
    return std::string(image.pixels.begin(), image.pixels.end());
  }
  if (encoding != Encoding::kPng && encoding != Encoding::kJpeg) {
    return absl::InvalidArgumentError("unknown encoding");
  }
  return encoding == Encoding::kPng ? EncodePngPixels(image)
                                    : EncodeJpegPixels(image, jpeg_quality);
}

absl::StatusOr<Image> DecodeImage(std::string_view bytes, Encoding encoding,
                                  const ImageExpectation& expect,
                                  const DecodeLimits& limits) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty image data");
  switch (encoding) {
    case Encoding::kRaw:
      return DecodeRaw(bytes, expect, limits);
    case Encoding::kJpeg:
    case Encoding::kPng:
      return DecodeCompressed(bytes, encoding, expect, limits);
  }
  return absl::InvalidArgumentError("unknown encoding");
}

absl::StatusOr<ImageExpectation> PeekImageHeader(std::string_view bytes,
                                                 Encoding encoding) {
  ASSIGN_OR_RETURN(const ImageHeader header, PeekHeader(bytes, encoding));
  return ImageExpectation{header.width, header.height, header.channels};
}

}  // namespace tessera