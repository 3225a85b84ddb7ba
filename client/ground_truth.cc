#include "client/ground_truth.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "common/image_codec.h"

namespace tessera::client {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<LabelMap> ReadLabelFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("ground truth %s", bytes.status().message()));
  }
  absl::StatusOr<Image> labels =
      DecodeImage(*bytes, Encoding::kPng, {.channels = 1});
  if (!labels.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "ground truth %s: %s", path, labels.status().message()));
  }
  return labels;
}

}  // namespace

absl::StatusOr<GroundTruth> GroundTruth::Open(const std::string& folder,
                                              int num_classes, int void_label) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    return absl::NotFoundError(
        absl::StrFormat("ground-truth folder %s does not exist", folder));
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".png") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("ground-truth folder %s holds no PNG", folder));
  }
  return GroundTruth(std::move(files), num_classes, void_label);
}

absl::Status GroundTruth::Add(const LabelMap& mask) {
  if (next_ >= files_.size()) return absl::OkStatus();
  const std::string& path = files_[next_++];
  absl::StatusOr<LabelMap> truth = ReadLabelFile(path);
  if (!truth.ok()) return truth.status();
  if (absl::Status added = confusion_.Add(*truth, mask); !added.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("ground truth %s: %s", path, added.message()));
  }
  return absl::OkStatus();
}

}  // namespace tessera::client
