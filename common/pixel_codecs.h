// PNG and JPEG pixels through libpng and libjpeg-turbo directly, without
// OpenCV: the master decodes client frames and encodes masks with these, and
// OpenCV's codec library would bring GDAL and its dependencies (hundreds of
// megabytes) into every master image. Callers check headers, sizes and
// limits first (image_codec.cc); these only move pixels.
//
//   ASSIGN_OR_RETURN(Image image, DecodePngPixels(bytes, header));
//   ASSIGN_OR_RETURN(std::string png, EncodePngPixels(labels));
#ifndef TESSERA_COMMON_PIXEL_CODECS_H_
#define TESSERA_COMMON_PIXEL_CODECS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/image.h"
#include "common/image_header.h"

namespace tessera {

// Decodes to `header.channels` (1: grey, 3: RGB) 8-bit samples of
// header.width x header.height: grey below 8 bits is widened, a palette
// becomes RGB (transparency ignored). INVALID_ARGUMENT naming libpng's or
// libjpeg-turbo's complaint for corrupt data.
absl::StatusOr<Image> DecodePngPixels(std::string_view bytes,
                                      const ImageHeader& header);
absl::StatusOr<Image> DecodeJpegPixels(std::string_view bytes,
                                       const ImageHeader& header);

// Encodes a 1- or 3-channel image (already validated). PNG uses the fastest
// deflate level: masks are encoded on the per-frame path and compress well
// even so. JPEG: baseline, 4:2:0 chroma for colour.
absl::StatusOr<std::string> EncodePngPixels(const Image& image);
absl::StatusOr<std::string> EncodeJpegPixels(const Image& image, int quality);

}  // namespace tessera

#endif  // TESSERA_COMMON_PIXEL_CODECS_H_
