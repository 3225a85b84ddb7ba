#include "common/thin_relocation.h"

#include <algorithm>
#include <array>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "absl/strings/str_format.h"
#include "common/cv_view.h"

namespace tessera {
namespace {

absl::Status CheckInputs(const Image& key_image, const Image& key_labels,
                         const Image& key_confidence, const Image& current,
                         const std::vector<int32_t>& sources,
                         const RelocationOptions& options,
                         const WarpedLabels& warped) {
  const Size size = current.size();
  const bool confidence_fits =
      key_confidence.empty() == warped.confidence.empty() &&
      (key_confidence.empty() ||
       (key_confidence.size() == size && warped.confidence.size() == size));
  if (key_image.channels != 3 || current.channels != 3 ||
      key_labels.channels != 1 || warped.labels.channels != 1 ||
      key_image.size() != size || key_labels.size() != size ||
      warped.labels.size() != size || !confidence_fits ||
      sources.size() != static_cast<size_t>(size.width) * size.height) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "relocating objects of a %dx%d key (labels %dx%d) in a %dx%d region "
        "with %d sources: sizes or channels differ",
        key_image.width, key_image.height, key_labels.width, key_labels.height,
        size.width, size.height, sources.size()));
  }
  if (options.search < 1 || options.search > kMaxRelocationSearch ||
      options.ratio <= 0 || options.ratio > 1 || options.max_cost <= 0 ||
      options.min_area < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "relocation options out of range: search %d (1..%d), ratio %g "
        "(0..1], max cost %g (> 0), min area %d (>= 1)",
        options.search, kMaxRelocationSearch, options.ratio, options.max_cost,
        options.min_area));
  }
  const int32_t pixels = size.width * size.height;
  for (const int32_t s : sources) {
    if (s < 0 || s >= pixels) {
      return absl::InvalidArgumentError(
          absl::StrFormat("relocation source %d is outside the %dx%d key", s,
                          size.width, size.height));
    }
  }
  return absl::OkStatus();
}

// The lower median; reorders `values`.
int MedianOf(std::vector<int>& values) {
  auto middle = values.begin() + (values.size() - 1) / 2;
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

// Where object `id` of `components` (its bounding `box` in the key)
// is in `current`, as its shift from the key, searched within `search` of
// `flow_shift`; nothing when no place is clearly better than the flow's.
std::optional<cv::Point> FindObject(const cv::Mat& key_image,
                                    const cv::Mat& components, int id,
                                    const cv::Rect& box, cv::Point flow_shift,
                                    const cv::Mat& current,
                                    const RelocationOptions& options) {
  const int search = options.search;
  const cv::Rect window =
      cv::Rect(box.x + flow_shift.x - search, box.y + flow_shift.y - search,
               box.width + 2 * search, box.height + 2 * search) &
      cv::Rect(0, 0, current.cols, current.rows);
  if (window.width < box.width || window.height < box.height) {
    return std::nullopt;
  }
  cv::Mat object_mask, mask;
  cv::compare(components(box), id, object_mask, cv::CMP_EQ);
  const double area = cv::countNonZero(object_mask);
  object_mask.convertTo(object_mask, CV_32F, 1.0 / 255);
  cv::merge(std::vector<cv::Mat>(3, object_mask), mask);
  cv::Mat templ, area_to_search, cost;
  key_image(box).convertTo(templ, CV_32FC3);
  current(window).convertTo(area_to_search, CV_32FC3);
  cv::matchTemplate(area_to_search, templ, cost, cv::TM_SQDIFF, mask);
  cost /= area * 3;  // mean squared difference per channel

  double best = 0;
  cv::Point best_at;
  cv::minMaxLoc(cost, &best, nullptr, &best_at);
  const cv::Point flow_at(box.x + flow_shift.x - window.x,
                          box.y + flow_shift.y - window.y);
  const double at_flow = cv::Rect(0, 0, cost.cols, cost.rows).contains(flow_at)
                             ? cost.at<float>(flow_at)
                             : std::numeric_limits<double>::infinity();
  if (best_at == flow_at || best > options.max_cost ||
      best > options.ratio * at_flow) {
    return std::nullopt;
  }
  return cv::Point(window.x + best_at.x - box.x, window.y + best_at.y - box.y);
}

// Each pixel marked in `holes` takes the label (and confidence) of the
// nearest unmarked pixel in its row, the left one on a tie; a row with no
// unmarked pixel stays as it is.
void FillFromRow(const std::vector<uint8_t>& holes, WarpedLabels warped) {
  const int width = warped.labels.width;
  const bool with_confidence = !warped.confidence.empty();
  std::vector<int> left(width);
  for (int y = 0; y < warped.labels.height; ++y) {
    const uint8_t* hole = holes.data() + static_cast<size_t>(y) * width;
    int last = -1;
    for (int x = 0; x < width; ++x) {
      if (!hole[x]) last = x;
      left[x] = last;
    }
    int next = -1;
    for (int x = width - 1; x >= 0; --x) {
      if (!hole[x]) {
        next = x;
        continue;
      }
      int from = left[x];
      if (from < 0 || (next >= 0 && next - x < x - from)) from = next;
      if (from < 0) continue;
      warped.labels.row(y)[x] = warped.labels.row(y)[from];
      if (with_confidence) {
        warped.confidence.row(y)[x] = warped.confidence.row(y)[from];
      }
    }
  }
}

}  // namespace

absl::Status RelocateThinObjects(const Image& key_image,
                                 const Image& key_labels,
                                 const Image& key_confidence,
                                 const Image& current,
                                 const std::vector<int32_t>& sources,
                                 const RelocationOptions& options,
                                 WarpedLabels warped) {
  if (absl::Status ok = CheckInputs(key_image, key_labels, key_confidence,
                                    current, sources, options, warped);
      !ok.ok()) {
    return ok;
  }
  if (options.labels.empty()) return absl::OkStatus();
  const int width = current.width;
  const int height = current.height;
  std::array<uint8_t, 256> chosen{};
  for (const uint8_t label : options.labels) chosen[label] = 255;
  cv::Mat thin(height, width, CV_8U);
  cv::LUT(MatView(key_labels), cv::Mat(1, 256, CV_8U, chosen.data()), thin);
  cv::Mat components, stats, centroids;
  const int count = cv::connectedComponentsWithStats(thin, components, stats,
                                                     centroids, 8, CV_32S);
  if (count <= 1) return absl::OkStatus();

  // How far the flow moved each object: the median shift of the current
  // pixels whose source lies on it.
  std::vector<std::vector<int>> shift_x(count), shift_y(count);
  const int32_t* component_of = components.ptr<int32_t>();
  for (int y = 0, i = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x, ++i) {
      const int32_t source = sources[i];
      if (const int id = component_of[source]; id > 0) {
        shift_x[id].push_back(x - source % width);
        shift_y[id].push_back(y - source / width);
      }
    }
  }
  const cv::Mat key = MatView(key_image);
  const cv::Mat now = MatView(current);
  const cv::Rect image(0, 0, width, height);
  std::vector<std::optional<cv::Point>> moves(count);
  bool any_move = false;
  for (int id = 1; id < count; ++id) {
    if (stats.at<int>(id, cv::CC_STAT_AREA) < options.min_area ||
        shift_x[id].empty()) {
      continue;
    }
    const cv::Rect box(stats.at<int>(id, cv::CC_STAT_LEFT),
                       stats.at<int>(id, cv::CC_STAT_TOP),
                       stats.at<int>(id, cv::CC_STAT_WIDTH),
                       stats.at<int>(id, cv::CC_STAT_HEIGHT));
    const cv::Point flow_shift(MedianOf(shift_x[id]), MedianOf(shift_y[id]));
    moves[id] = FindObject(key, components, id, box, flow_shift, now, options);
    any_move = any_move || moves[id].has_value();
  }
  if (!any_move) return absl::OkStatus();

  std::vector<uint8_t> left_behind(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    left_behind[i] = moves[component_of[sources[i]]].has_value();
  }
  FillFromRow(left_behind, warped);
  const bool with_confidence = !warped.confidence.empty();
  for (int y = 0, i = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x, ++i) {
      const std::optional<cv::Point>& move = moves[component_of[i]];
      if (!move.has_value()) continue;
      const cv::Point to(x + move->x, y + move->y);
      if (!image.contains(to)) continue;
      warped.labels.row(to.y)[to.x] = key_labels.row(y)[x];
      if (with_confidence) {
        warped.confidence.row(to.y)[to.x] = key_confidence.row(y)[x];
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tessera
