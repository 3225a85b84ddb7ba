#include "worker/task_message.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "common/image_codec.h"
#include "common/wire.h"

namespace tessera::worker {
namespace {

absl::StatusOr<EncodedView> ViewOf(const v1::ImageData& data,
                                   const char* what) {
  absl::StatusOr<Encoding> encoding = FromProto(data.encoding());
  if (!encoding.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s", what, encoding.status().message()));
  }
  return EncodedView{
      data.data(), *encoding, {data.width(), data.height(), data.channels()}};
}

}  // namespace

absl::StatusOr<RegionTaskIn> TaskFromProto(const v1::RegionTask& task) {
  RegionTaskIn in;
  in.task = task.task_id();
  in.stream = task.stream_id();
  in.region = task.region_id();
  in.frame_index = task.frame_index();
  absl::StatusOr<EncodedView> image = ViewOf(task.image(), "region image");
  if (!image.ok()) return image.status();
  in.image_bytes = image->bytes;
  in.encoding = image->encoding;
  in.declared = image->declared;
  in.want_confidence = task.want_confidence();
  absl::StatusOr<Encoding> label_encoding = FromProto(task.label_encoding());
  if (!label_encoding.ok()) return label_encoding.status();
  in.label_encoding = *label_encoding;
  in.policy.allow_flow = task.policy().allow_flow();
  in.policy.threshold = task.policy().threshold();
  in.policy.max_key_age = task.policy().max_key_age();
  in.policy.keep_key = task.policy().keep_key();
  if (task.has_key()) {
    KeyIn key;
    key.frame_index = task.key().frame_index();
    absl::StatusOr<EncodedView> key_image = ViewOf(task.key().image(), "key");
    absl::StatusOr<EncodedView> labels =
        ViewOf(task.key().labels(), "key labels");
    if (!key_image.ok()) return key_image.status();
    if (!labels.ok()) return labels.status();
    key.image = *key_image;
    key.labels = *labels;
    if (task.key().has_confidence()) {
      absl::StatusOr<EncodedView> confidence =
          ViewOf(task.key().confidence(), "key confidence");
      if (!confidence.ok()) return confidence.status();
      key.confidence = *confidence;
    }
    in.key = key;
  }
  if (task.has_stitched()) {
    const v1::PixelRect& part = task.stitched();
    // In 64 bits: a malformed message's sums must not overflow. Each side
    // the region declares bounds it; no side may pass the decoder's limit.
    const DecodeLimits limits;
    const int64_t right = int64_t{part.x()} + part.width();
    const int64_t bottom = int64_t{part.y()} + part.height();
    const int64_t width_bound =
        in.declared.width > 0 ? in.declared.width : limits.max_width;
    const int64_t height_bound =
        in.declared.height > 0 ? in.declared.height : limits.max_height;
    if (part.x() < 0 || part.y() < 0 || part.width() <= 0 ||
        part.height() <= 0 || right > width_bound || bottom > height_bound) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "task %d: the stitched part %dx%d at (%d, %d) is not inside the "
          "region (%s)",
          task.task_id(), part.width(), part.height(), part.x(), part.y(),
          in.declared.width > 0 && in.declared.height > 0
              ? absl::StrFormat("%dx%d", in.declared.width, in.declared.height)
              : std::string("its size is not declared")));
    }
    in.stitched = {part.x(), part.y(), part.width(), part.height()};
  }
  return in;
}

}  // namespace tessera::worker
