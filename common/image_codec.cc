#include "common/image_codec.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "common/image_header.h"
#include "common/status_macros.h"
#include "opencv2/core.hpp"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

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
  try {
    // imdecode only reads its input; the const_cast avoids a copy.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<char*>(bytes.data()));
    const cv::Mat mat = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    if (mat.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s data is corrupt", name));
    }
    if (mat.depth() != CV_8U) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s did not decode to 8-bit samples", name));
    }
    if (mat.cols != header.width || mat.rows != header.height) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s decoded to %dx%d but its header says %dx%d", name,
                          mat.cols, mat.rows, header.width, header.height));
    }
    // Palette PNGs with transparency grow an alpha channel only now.
    RETURN_IF_ERROR(CheckChannels(encoding, mat.channels(), expect));
    image = Image::Create(mat.cols, mat.rows, mat.channels());
    cv::Mat out(mat.rows, mat.cols, mat.type(), image.pixels.data());
    if (mat.channels() == 3) {
      cv::cvtColor(mat, out, cv::COLOR_BGR2RGB);
    } else {
      mat.copyTo(out);
    }
    if (out.data != image.pixels.data()) {
      return absl::InternalError("OpenCV reallocated the output image");
    }
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s decoding failed: %s", name, e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrFormat("%s decoding failed: %s", name, e.what()));
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
  const char* name = DisplayName(encoding);
  try {
    // imencode only reads its input; the const_cast avoids a copy.
    const cv::Mat rgb(image.height, image.width, CV_8UC(image.channels),
                      const_cast<uint8_t*>(image.pixels.data()));
    // A fresh Mat for colour: converting into a header that shares `rgb`'s
    // buffer would run in place and overwrite the caller's const pixels.
    cv::Mat bgr;
    if (image.channels == 3) {
      cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    } else {
      bgr = rgb;
    }
    // Fastest deflate level: encoding sits on the per-frame path and label
    // maps compress well even so.
    const std::vector<int> params =
        encoding == Encoding::kPng
            ? std::vector<int>{cv::IMWRITE_PNG_COMPRESSION, 1}
            : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
    std::vector<uchar> out;
    if (!cv::imencode(encoding == Encoding::kPng ? ".png" : ".jpg", bgr, out,
                      params)) {
      return absl::InternalError(
          absl::StrFormat("%s encoding of a %dx%d image failed", name,
                          image.width, image.height));
    }
    return std::string(out.begin(), out.end());
  } catch (const std::exception& e) {  // cv::Exception included
    return absl::InternalError(
        absl::StrFormat("%s encoding failed: %s", name, e.what()));
  }
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