// Structural parsing of PNG and JPEG bytes without decoding any pixel: the
// header's size, channels and sample depth, and whether the file is complete.
// Pure byte reading with no OpenCV, safe on any input (it is fuzzed); the
// image codec uses it to judge untrusted data before libpng or libjpeg runs.
//
//   ASSIGN_OR_RETURN(ImageHeader header, ParsePngHeader(bytes));
//   RETURN_IF_ERROR(CheckPngComplete(bytes));
#ifndef TESSERA_COMMON_IMAGE_HEADER_H_
#define TESSERA_COMMON_IMAGE_HEADER_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tessera {

struct ImageHeader {
  int width = 0;
  int height = 0;
  // After expansion: a PNG palette counts as 3, grey + alpha as 2.
  int channels = 0;
  int bit_depth = 0;  // bits per sample (JPEG: the frame precision)
};

// INVALID_ARGUMENT, naming the fault, when the signature, the IHDR chunk or
// the frame header is missing, malformed or truncated.
absl::StatusOr<ImageHeader> ParsePngHeader(std::string_view bytes);
absl::StatusOr<ImageHeader> ParseJpegHeader(std::string_view bytes);

// INVALID_ARGUMENT unless the chunk list reaches IEND (PNG) or the segments
// and scans reach EOI (JPEG). Decoders tolerate truncation, which would
// otherwise pass off a partly grey image as a frame.
absl::Status CheckPngComplete(std::string_view bytes);
absl::Status CheckJpegComplete(std::string_view bytes);

}  // namespace tessera

#endif  // TESSERA_COMMON_IMAGE_HEADER_H_
