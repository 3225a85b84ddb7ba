#include "common/guided_warp.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/cv_view.h"
#include "common/key_colour_search.h"
#include "common/mismatch_fill.h"
#include "common/warp.h"

namespace tessera {
namespace {

static_assert(kMaxGuidedWarpRadius <= kMaxKeySearchRadius);

absl::Status CheckInputs(const Image& key_image, const Image& key_labels,
                         const Image& key_confidence, const Image& current,
                         const FlowField& flow,
                         const GuidedWarpOptions& options) {
  if (key_image.channels != 3 || current.channels != 3) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a guided warp needs RGB images, got %d and %d channels",
        key_image.channels, current.channels));
  }
  if (key_labels.channels != 1 ||
      (!key_confidence.empty() && key_confidence.channels != 1)) {
    return absl::InvalidArgumentError(
        "a guided warp needs one-channel labels and confidence");
  }
  const Size size = current.size();
  if (key_image.size() != size || key_labels.size() != size ||
      flow.size() != size ||
      (!key_confidence.empty() && key_confidence.size() != size) ||
      current.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "guided warp of a %dx%d key (labels %dx%d) to a %dx%d region by a "
        "%dx%d flow: sizes differ",
        key_image.width, key_image.height, key_labels.width, key_labels.height,
        size.width, size.height, flow.width, flow.height));
  }
  if (size.width > kMaxKeySearchSide || size.height > kMaxKeySearchSide) {
    return absl::InvalidArgumentError(
        absl::StrFormat("guided warp of a %dx%d region: at most %d pixels a "
                        "side",
                        size.width, size.height, kMaxKeySearchSide));
  }
  if (!options.radius.Within(kMaxGuidedWarpRadius) ||
      !ColourThresholdInRange(options.colour_threshold) ||
      options.step_cost < 0 || options.step_cost > kMaxKeySearchStepCost ||
      !ColourThresholdInRange(options.fill_threshold) ||
      !ColourThresholdInRange(options.fill_similarity)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "guided warp options out of range: radius %s (0..%d each way), "
        "colour threshold %d (0..%d), step cost %d (0..%d), fill "
        "threshold %d and fill similarity %d (0..%d)",
        SearchRadiusText(options.radius), kMaxGuidedWarpRadius,
        options.colour_threshold, kMaxColourThreshold, options.step_cost,
        kMaxKeySearchStepCost, options.fill_threshold, options.fill_similarity,
        kMaxColourThreshold));
  }
  return absl::OkStatus();
}

}  // namespace

GuidedWarpOptions GuidedWarpOptions::ForFrames(int frames) const {
  GuidedWarpOptions options = *this;
  if (relocation.search_per_frame > 0) {
    // Past `search` frames the product only grows (and could overflow).
    const int spanned = std::clamp(frames, 1, std::max(1, relocation.search));
    options.relocation.search =
        std::min(relocation.search, relocation.search_per_frame * spanned);
  }
  return options;
}

absl::StatusOr<GuidedWarp> WarpLabelsGuided(const Image& key_image,
                                            const Image& key_labels,
                                            const Image& key_confidence,
                                            const Image& current,
                                            const FlowField& flow,
                                            const GuidedWarpOptions& options) {
  if (absl::Status ok = CheckInputs(key_image, key_labels, key_confidence,
                                    current, flow, options);
      !ok.ok()) {
    return ok;
  }
  const int width = current.width;
  const int height = current.height;
  const bool with_confidence = !key_confidence.empty();
  GuidedWarp out;
  out.labels = Image::Create(width, height, 1);
  if (with_confidence) out.confidence = Image::Create(width, height, 1);
  const SearchRadius r = options.radius;
  const bool searches = r.x > 0 || r.y > 0;
  // Where every key label within the radius is the same, no search can
  // change the label: the smallest and largest label around each key pixel
  // find the few places worth searching (most pixels of road and sky whose
  // colour changed with the light are not).
  cv::Mat near_edges;  // 255 where the key has more than one label nearby
  if (searches) {
    const cv::Mat window = cv::getStructuringElement(
        cv::MORPH_RECT, cv::Size(2 * r.x + 1, 2 * r.y + 1));
    cv::Mat lowest, highest;
    cv::erode(MatView(key_labels), lowest, window);
    cv::dilate(MatView(key_labels), highest, window);
    cv::compare(lowest, highest, near_edges, cv::CMP_NE);
  }
  // Relocation needs to know which key object each pixel's flow came from.
  const bool relocate = !options.relocation.labels.empty();
  std::vector<int32_t> sources(relocate ? static_cast<size_t>(width) * height
                                        : 0);
  // Built at the first pixel that searches: many regions have none.
  std::optional<KeyColourSearch> search;
  size_t moved = 0;
  // Colour differences can reach the maximum but never pass it: that
  // threshold fills nothing.
  const bool fills = options.fill_threshold < kNoFill;
  DistrustedPixels distrusted(fills ? current.size() : Size{});
  for (int y = 0; y < height; ++y) {
    const float* v = flow.vectors.data() + flow.index(0, y);
    const uint8_t* cur = current.row(y);
    for (int x = 0; x < width; ++x, v += 2, cur += 3) {
      // The flow's point, as the plain warp takes it.
      const int fx = NearestSourcePixel(x, v[0], width);
      const int fy = NearestSourcePixel(y, v[1], height);
      if (relocate) sources[y * width + x] = fy * width + fx;
      int best_x = fx;
      int best_y = fy;
      // The labels around the flow's point first: most pixels lie inside
      // one object, where no search could change the label, and that test
      // is cheaper than comparing colours.
      const bool near_edge = searches && near_edges.ptr<uint8_t>(fy)[fx] != 0;
      const int at_flow =
          near_edge ? ColourDistance(cur, key_image.at(fx, fy)) : 0;
      if (near_edge && at_flow > options.colour_threshold) {
        if (!search.has_value()) search.emplace(key_image);
        // The flow's point costs at_flow itself, so what is found lies
        // elsewhere.
        const KeyColourSearch::Found found =
            search->Cheapest(cur, {fx, fy}, r, options.step_cost, at_flow);
        if (found.found) {
          best_x = found.at.x;
          best_y = found.at.y;
          ++moved;
        }
      }
      out.labels.row(y)[x] = *key_labels.at(best_x, best_y);
      if (fills) {
        const bool measured = near_edge && best_x == fx && best_y == fy;
        const int mismatch =
            measured ? at_flow
                     : ColourDistance(cur, key_image.at(best_x, best_y));
        if (mismatch > options.fill_threshold) distrusted.Mark(x, y);
      }
      if (with_confidence) {
        out.confidence.row(y)[x] = *key_confidence.at(best_x, best_y);
      }
    }
  }
  if (fills) {
    FillDistrustedPixels(current, options.fill_similarity, distrusted,
                         out.labels, out.confidence);
  }
  out.moved_share =
      static_cast<double>(moved) / (static_cast<double>(width) * height);
  if (relocate) {
    if (absl::Status ok = RelocateThinObjects(
            key_image, key_labels, key_confidence, current, sources,
            options.relocation, {out.labels, out.confidence});
        !ok.ok()) {
      return ok;
    }
  }
  return out;
}

}  // namespace tessera
