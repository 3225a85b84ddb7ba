#include "common/thin_relocation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/cv_view.h"

namespace tessera {
namespace {

// The largest squared difference of one colour channel: costs are means of
// these.
constexpr int kMaxColourCost = 255 * 255;

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
      options.search_per_frame < 0 ||
      !(options.ratio > 0 && options.ratio <= 1) ||
      !(options.max_cost > 0 && options.max_cost <= kMaxColourCost) ||
      !(options.settled_cost >= 0 && options.settled_cost <= kMaxColourCost) ||
      options.min_area < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "relocation options out of range: search %d (1..%d), search per "
        "frame %d (>= 0), ratio %g (0..1], max cost %g (0..%d], settled cost "
        "%g [0..%d], min area %d (>= 1)",
        options.search, kMaxRelocationSearch, options.search_per_frame,
        options.ratio, options.max_cost, kMaxColourCost, options.settled_cost,
        kMaxColourCost, options.min_area));
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

// One pixel of a key object: where it is, relative to the object's box,
// and its colour.
struct ObjectPixel {
  int x, y;
  int r, g, b;
};

// Object `id`'s pixels within its bounding `box` in the key, every fourth
// row first: a wrong place then shows in its first pixels, whichever part
// of the object differs.
std::vector<ObjectPixel> PixelsOf(const Image& key_image,
                                  const cv::Mat& components, int id,
                                  const cv::Rect& box) {
  std::vector<ObjectPixel> pixels;
  for (int phase = 0; phase < 4; ++phase) {
    for (int y = phase; y < box.height; y += 4) {
      const int32_t* component = components.ptr<int32_t>(box.y + y) + box.x;
      for (int x = 0; x < box.width; ++x) {
        if (component[x] != id) continue;
        const uint8_t* rgb = key_image.at(box.x + x, box.y + y);
        pixels.push_back({x, y, rgb[0], rgb[1], rgb[2]});
      }
    }
  }
  return pixels;
}

// The sum of squared colour differences of `pixels` placed at `corner` of
// `current`, or `give_up` as soon as the sum reaches it.
int64_t CostAt(const std::vector<ObjectPixel>& pixels, const Image& current,
               cv::Point corner, int64_t give_up) {
  int64_t cost = 0;
  for (const ObjectPixel& p : pixels) {
    const uint8_t* rgb = current.at(corner.x + p.x, corner.y + p.y);
    const int dr = rgb[0] - p.r, dg = rgb[1] - p.g, db = rgb[2] - p.b;
    cost += dr * dr + dg * dg + db * db;
    if (cost >= give_up) return give_up;
  }
  return cost;
}

// The shift on every `step`th row and column of `shifts` (other than
// `skip`) where `pixels` cost least, if one costs less than `*below`, which
// then becomes its cost; the first such in raster order on a tie. A shift
// is given up on as soon as its cost reaches the best so far.
std::optional<cv::Point> LeastCostShift(const std::vector<ObjectPixel>& pixels,
                                        const Image& current,
                                        const cv::Point& box_corner,
                                        const cv::Rect& shifts, int step,
                                        cv::Point skip, int64_t* below) {
  std::optional<cv::Point> found;
  for (int dy = shifts.y; dy < shifts.y + shifts.height; dy += step) {
    for (int dx = shifts.x; dx < shifts.x + shifts.width; dx += step) {
      const cv::Point shift(dx, dy);
      if (shift == skip) continue;
      const int64_t cost = CostAt(pixels, current, box_corner + shift, *below);
      if (cost < *below) {
        *below = cost;
        found = shift;
      }
    }
  }
  return found;
}

// Where the object of `pixels` (its bounding `box` in the key) is in
// `current`, as its shift from the key, searched within `search` of
// `flow_shift`: the least costly place found, if it costs less than
// `ratio` of the flow's place and `max_cost`; nothing otherwise.
std::optional<cv::Point> FindObject(const std::vector<ObjectPixel>& pixels,
                                    const cv::Rect& box, cv::Point flow_shift,
                                    const Image& current,
                                    const RelocationOptions& options) {
  // Shifts that keep the whole box inside the region.
  const cv::Rect fits(-box.x, -box.y, current.width - box.width + 1,
                      current.height - box.height + 1);
  const cv::Rect shifts =
      cv::Rect(flow_shift.x - options.search, flow_shift.y - options.search,
               2 * options.search + 1, 2 * options.search + 1) &
      fits;
  if (shifts.empty()) return std::nullopt;
  const double channels_and_pixels = 3.0 * static_cast<double>(pixels.size());
  // The flow's place, moved back into the region where it would take part
  // of the object out: an object on the region's edge is judged by it too.
  const cv::Point flow_place(
      std::clamp(flow_shift.x, fits.x, fits.x + fits.width - 1),
      std::clamp(flow_shift.y, fits.y, fits.y + fits.height - 1));
  constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();
  const int64_t at_flow =
      CostAt(pixels, current, box.tl() + flow_place, kUnbounded);
  // The object is where the flow put it: most are, and searching for them
  // would be most of the time spent here.
  if (at_flow <= options.settled_cost * channels_and_pixels) {
    return std::nullopt;
  }
  // A place must cost strictly less than `below` to be taken.
  int64_t below = static_cast<int64_t>(
      std::ceil(std::min(options.max_cost * channels_and_pixels,
                         options.ratio * static_cast<double>(at_flow))));
  // Every other place first, for the best of them whatever it costs (a
  // place next to the object's, for an object an odd number of pixels
  // away), then every place around that, for the best place that is good
  // enough: a quarter of the work of trying each place, which took 1.2 ms
  // more per region on the generated clip.
  int64_t coarse_cost = kUnbounded;
  const std::optional<cv::Point> coarse = LeastCostShift(
      pixels, current, box.tl(), shifts, 2, flow_place, &coarse_cost);
  if (!coarse.has_value()) return std::nullopt;
  const cv::Rect around = cv::Rect(coarse->x - 2, coarse->y - 2, 5, 5) & shifts;
  return LeastCostShift(pixels, current, box.tl(), around, 1, flow_place,
                        &below);
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
    moves[id] = FindObject(PixelsOf(key_image, components, id, box), box,
                           flow_shift, current, options);
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
      // Inside the region: FindObject only moves an object's whole box
      // to places within it.
      const cv::Point to(x + move->x, y + move->y);
      warped.labels.row(to.y)[to.x] = key_labels.row(y)[x];
      if (with_confidence) {
        warped.confidence.row(to.y)[to.x] = key_confidence.row(y)[x];
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tessera
