// Conversions between the wire messages (tessera.v1.ImageData, Encoding,
// RegionTimings) and the plain types of common/, shared by the master, the
// worker and the client.
//
//   ASSIGN_OR_RETURN(Image frame, DecodeImageData(msg.image(), {.channels = 3},
//                                                  limits));
//   ASSIGN_OR_RETURN(v1::ImageData data, EncodeImageData(mask,
//   Encoding::kPng));
#ifndef TESSERA_COMMON_WIRE_H_
#define TESSERA_COMMON_WIRE_H_

#include "absl/status/statusor.h"
#include "common/image.h"
#include "common/image_codec.h"
#include "common/region_timings.h"
#include "tessera/v1/tessera.pb.h"

namespace tessera {

v1::Encoding ToProto(Encoding encoding);
// INVALID_ARGUMENT for ENCODING_UNSPECIFIED and values this build does not
// know (a newer peer).
absl::StatusOr<Encoding> FromProto(v1::Encoding encoding);

// The message's declared width/height/channels must agree with `expect`
// where both are set, then the bytes are decoded and checked against both.
absl::StatusOr<Image> DecodeImageData(const v1::ImageData& data,
                                      const ImageExpectation& expect,
                                      const DecodeLimits& limits);
absl::StatusOr<v1::ImageData> EncodeImageData(const Image& image,
                                              Encoding encoding);

v1::RegionTimings ToProto(const RegionTimings& timings);
RegionTimings FromProto(const v1::RegionTimings& timings);

}  // namespace tessera

#endif  // TESSERA_COMMON_WIRE_H_
