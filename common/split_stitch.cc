#include "common/split_stitch.h"

#include <cstring>

#include "absl/strings/str_format.h"

namespace tessera {
namespace {

absl::Status CheckPart(const Region& region, const RegionLabels& part,
                       StitchMode mode) {
  const Rect& area = region.area;
  if (part.labels.width != area.width || part.labels.height != area.height ||
      part.labels.channels != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("region %d labels are %dx%dx%d, expected %dx%dx1",
                        region.id, part.labels.width, part.labels.height,
                        part.labels.channels, area.width, area.height));
  }
  if (mode == StitchMode::kMaxConfidence &&
      (part.confidence.width != area.width ||
       part.confidence.height != area.height ||
       part.confidence.channels != 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "region %d needs a %dx%dx1 confidence map for max-confidence "
        "stitching, got %dx%dx%d",
        region.id, area.width, area.height, part.confidence.width,
        part.confidence.height, part.confidence.channels));
  }
  return absl::OkStatus();
}

void PasteCore(const Region& region, const LabelMap& labels, LabelMap& mask) {
  const Rect& core = region.core;
  const int dx = core.x - region.area.x;
  const int dy = core.y - region.area.y;
  for (int y = 0; y < core.height; ++y) {
    std::memcpy(mask.row(core.y + y) + core.x, labels.row(dy + y) + dx,
                core.width);
  }
}

// `best` holds the winning confidence so far, -1 where nothing was pasted.
void PasteMoreConfident(const Region& region, const RegionLabels& part,
                        LabelMap& mask, std::vector<int16_t>& best) {
  const Rect& area = region.area;
  for (int y = 0; y < area.height; ++y) {
    const uint8_t* labels = part.labels.row(y);
    const uint8_t* confidence = part.confidence.row(y);
    uint8_t* out = mask.row(area.y + y) + area.x;
    int16_t* out_best =
        best.data() + static_cast<size_t>(area.y + y) * mask.width + area.x;
    for (int x = 0; x < area.width; ++x) {
      if (confidence[x] > out_best[x]) {
        out_best[x] = confidence[x];
        out[x] = labels[x];
      }
    }
  }
}

}  // namespace

Image CropImage(const Image& image, const Rect& area) {
  Image crop = Image::Create(area.width, area.height, image.channels);
  const size_t offset = static_cast<size_t>(area.x) * image.channels;
  for (int y = 0; y < area.height; ++y) {
    std::memcpy(crop.row(y), image.row(area.y + y) + offset, crop.row_bytes());
  }
  return crop;
}

std::vector<Image> SplitFrame(const Image& frame,
                              const std::vector<Region>& regions) {
  std::vector<Image> parts;
  parts.reserve(regions.size());
  for (const Region& region : regions) {
    parts.push_back(CropImage(frame, region.area));
  }
  return parts;
}

absl::StatusOr<LabelMap> StitchLabels(Size frame,
                                      const std::vector<Region>& regions,
                                      const std::vector<RegionLabels>& parts,
                                      StitchMode mode) {
  if (parts.size() != regions.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d region results for %d regions", parts.size(), regions.size()));
  }
  for (size_t i = 0; i < regions.size(); ++i) {
    absl::Status status = CheckPart(regions[i], parts[i], mode);
    if (!status.ok()) return status;
  }
  LabelMap mask = LabelMap::Create(frame.width, frame.height, 1);
  if (mode == StitchMode::kCropHalo) {
    for (size_t i = 0; i < regions.size(); ++i) {
      PasteCore(regions[i], parts[i].labels, mask);
    }
    return mask;
  }
  std::vector<int16_t> best(static_cast<size_t>(frame.width) * frame.height,
                            -1);
  for (size_t i = 0; i < regions.size(); ++i) {
    PasteMoreConfident(regions[i], parts[i], mask, best);
  }
  return mask;
}

}  // namespace tessera
