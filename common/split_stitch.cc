#include "common/split_stitch.h"

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

// Builds the mask row by row from the regions' cores, appending bytes to a
// reserved buffer so that nothing is written twice (no zero-fill first).
// Cores tile the frame, and within a band of grid rows they are ordered by
// column, so each frame row is the concatenation of one band's core rows.
LabelMap AssembleCores(Size frame, const std::vector<Region>& regions,
                       const std::vector<RegionLabels>& parts) {
  LabelMap mask;
  mask.width = frame.width;
  mask.height = frame.height;
  mask.channels = 1;
  mask.pixels.reserve(static_cast<size_t>(frame.width) * frame.height);
  size_t band_start = 0;
  while (band_start < regions.size()) {
    size_t band_end = band_start;
    while (band_end < regions.size() &&
           regions[band_end].core.y == regions[band_start].core.y) {
      ++band_end;
    }
    const Rect& band = regions[band_start].core;
    for (int y = band.y; y < band.bottom(); ++y) {
      for (size_t i = band_start; i < band_end; ++i) {
        const Region& region = regions[i];
        const uint8_t* from = parts[i].labels.row(y - region.area.y) +
                              (region.core.x - region.area.x);
        mask.pixels.insert(mask.pixels.end(), from, from + region.core.width);
      }
    }
    band_start = band_end;
  }
  return mask;
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
  Image crop;
  crop.width = area.width;
  crop.height = area.height;
  crop.channels = image.channels;
  crop.pixels.reserve(crop.row_bytes() * area.height);
  const size_t offset = static_cast<size_t>(area.x) * image.channels;
  // Appending rows to a reserved buffer copies each byte once (a sized
  // vector would zero-fill first).
  for (int y = 0; y < area.height; ++y) {
    const uint8_t* from = image.row(area.y + y) + offset;
    crop.pixels.insert(crop.pixels.end(), from, from + crop.row_bytes());
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
  if (mode == StitchMode::kCropHalo) {
    return AssembleCores(frame, regions, parts);
  }
  LabelMap mask = LabelMap::Create(frame.width, frame.height, 1);
  std::vector<int16_t> best(static_cast<size_t>(frame.width) * frame.height,
                            -1);
  for (size_t i = 0; i < regions.size(); ++i) {
    PasteMoreConfident(regions[i], parts[i], mask, best);
  }
  return mask;
}

}  // namespace tessera
