#include "worker/model_card.h"

#include <filesystem>

#include "absl/strings/str_format.h"
#include "worker/json_proto.h"

namespace tessera::worker {

std::string ModelCardPathFor(const std::string& model_path) {
  std::filesystem::path path(model_path);
  path.replace_extension(".card.json");
  return path.string();
}

InputNormalisation NormalisationOf(const v1::ModelCard& card) {
  InputNormalisation folded{std::vector<float>(3), std::vector<float>(3)};
  for (int c = 0; c < 3; ++c) {
    folded.gain[c] = card.input_scale() / card.std(c);
    folded.offset[c] = card.mean(c) / card.std(c);
  }
  return folded;
}

absl::StatusOr<v1::ModelCard> LoadModelCard(const std::string& path) {
  v1::ModelCard card;
  if (absl::Status read = ReadJsonProto(path, "model card", card); !read.ok()) {
    return read;
  }
  absl::Status valid = ValidateModelCard(card);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("model card %s: %s", path, valid.message()));
  }
  return card;
}

absl::Status ValidateModelCard(const v1::ModelCard& card) {
  if (card.num_classes() < 1 || card.num_classes() > 255) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "num_classes %d is outside 1..255", card.num_classes()));
  }
  if (card.class_names_size() != 0 &&
      card.class_names_size() != card.num_classes()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d class names for %d classes",
                        card.class_names_size(), card.num_classes()));
  }
  if (card.mean_size() != 3 || card.std_size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrFormat("mean and std need 3 values each (RGB), got %d and %d",
                        card.mean_size(), card.std_size()));
  }
  for (float s : card.std()) {
    if (!(s > 0)) return absl::InvalidArgumentError("std values must be > 0");
  }
  if (!(card.input_scale() > 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("input_scale %g must be > 0", card.input_scale()));
  }
  if (card.output_stride() < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("output_stride %d must be >= 1", card.output_stride()));
  }
  if ((card.input_width() > 0) != (card.input_height() > 0) ||
      card.input_width() < 0 || card.input_height() < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "input size %dx%d: give both (fixed size) or neither (any size)",
        card.input_width(), card.input_height()));
  }
  if (card.size_divisor() < 0) {
    return absl::InvalidArgumentError("size_divisor must be >= 0");
  }
  return absl::OkStatus();
}

}  // namespace tessera::worker
