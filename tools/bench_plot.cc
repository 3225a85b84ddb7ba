#include "tools/bench_plot.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "common/image.h"
#include "common/image_codec.h"
#include "common/status_macros.h"

namespace tessera::bench {
namespace {

constexpr int kWidth = 960;
constexpr int kHeight = 540;
constexpr int kLeft = 80, kRight = 80, kTop = 60, kBottom = 70;

const cv::Scalar kInk(40, 40, 40);
const cv::Scalar kGrid(225, 225, 225);
const cv::Scalar kBar(180, 119, 31);   // blue (BGR)
const cv::Scalar kLine(14, 127, 255);  // orange

void Text(cv::Mat& image, const std::string& text, cv::Point at, double scale,
          const cv::Scalar& colour, bool centred = false) {
  int baseline = 0;
  const cv::Size size =
      cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline);
  if (centred) at.x -= size.width / 2;
  cv::putText(image, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1,
              cv::LINE_AA);
}

// A round axis maximum at or above `value`: 1, 1.5, 2, 3, 4, 5, 6 or 8
// times a power of 10, so that the data fill most of the axis.
double NiceCeiling(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double step : {1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

cv::Mat Canvas() {
  return cv::Mat(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
}

// Written through Tessera's own PNG encoder, so that the benchmark builds
// without OpenCV's image codecs (TESSERA_VIDEO_IO=OFF).
absl::Status Save(const std::string& path, const cv::Mat& bgr) {
  Image rgb = Image::Create(bgr.cols, bgr.rows, 3);
  cv::Mat view(rgb.height, rgb.width, CV_8UC3, rgb.pixels.data());
  cv::cvtColor(bgr, view, cv::COLOR_BGR2RGB);
  ASSIGN_OR_RETURN(std::string png, EncodeImage(rgb, Encoding::kPng));
  return WriteFileBytes(path, png);
}

// Horizontal grid lines with their values on the left axis.
void LeftAxis(cv::Mat& image, double axis_max, const std::string& unit,
              const cv::Scalar& colour) {
  const int plot_h = kHeight - kTop - kBottom;
  for (int tick = 0; tick <= 5; ++tick) {
    const double value = axis_max * tick / 5;
    const int y = kHeight - kBottom - static_cast<int>(plot_h * tick / 5.0);
    cv::line(image, {kLeft, y}, {kWidth - kRight, y}, kGrid, 1);
    Text(image, absl::StrFormat("%g", value), {kLeft - 45, y + 5}, 0.45,
         colour);
  }
  Text(image, unit, {10, kTop - 15}, 0.5, colour);
}

// Figure 6's colours (BGR), one per BreakdownFields() entry.
cv::Scalar PartColour(const BreakdownField& field) {
  const std::string label = field.label;
  if (label == "idle") return {215, 215, 215};
  if (label == "transfer") return {14, 127, 255};     // orange
  if (label == "split") return {180, 119, 31};        // blue
  if (label == "stitch") return {44, 160, 44};        // green
  if (label == "segmentation") return {40, 39, 214};  // red
  if (label == "flow") return {189, 103, 148};        // purple
  return {75, 86, 140};                               // decision: brown
}

}  // namespace

absl::Status WriteScalingPlot(const std::string& path,
                              const std::vector<ConfigResult>& results,
                              const std::string& title) {
  if (results.empty()) {
    return absl::InvalidArgumentError("no configuration to plot");
  }
  cv::Mat image = Canvas();
  const int plot_w = kWidth - kLeft - kRight;
  const int plot_h = kHeight - kTop - kBottom;
  const cv::Point origin(kLeft, kHeight - kBottom);

  double most_fps = 0;
  for (const ConfigResult& r : results) most_fps = std::max(most_fps, r.fps);
  const double fps_axis = NiceCeiling(most_fps * 1.1);
  auto fps_y = [&](double fps) {
    return origin.y - static_cast<int>(plot_h * fps / fps_axis);
  };
  auto miou_y = [&](double miou) {  // 0..100 on the right axis
    return origin.y - static_cast<int>(plot_h * miou / 100);
  };

  for (int tick = 0; tick <= 5; ++tick) {
    const double fps = fps_axis * tick / 5;
    const int y = fps_y(fps);
    cv::line(image, {kLeft, y}, {kLeft + plot_w, y}, kGrid, 1);
    Text(image, absl::StrFormat("%g", fps), {kLeft - 45, y + 5}, 0.45, kBar);
    Text(image, absl::StrFormat("%d", tick * 20), {kLeft + plot_w + 10, y + 5},
         0.45, kLine);
  }
  Text(image, title, {kWidth / 2, 30}, 0.6, kInk, true);
  Text(image, "fps", {10, kTop - 15}, 0.5, kBar);
  Text(image, "mIoU %", {kWidth - 75, kTop - 15}, 0.5, kLine);

  const int slot = plot_w / static_cast<int>(results.size());
  const int bar_w = std::max(4, slot * 3 / 5);
  std::vector<cv::Point> miou_points;
  for (size_t i = 0; i < results.size(); ++i) {
    const ConfigResult& r = results[i];
    const int centre = kLeft + slot * static_cast<int>(i) + slot / 2;
    cv::rectangle(image, {centre - bar_w / 2, fps_y(r.fps)},
                  {centre + bar_w / 2, origin.y}, kBar, cv::FILLED);
    if (r.speedup > 0) {
      Text(image, absl::StrFormat("%.2fx", r.speedup),
           {centre, fps_y(r.fps) - 8}, 0.45, kInk, true);
    }
    Text(image, r.config.name, {centre, origin.y + 22}, 0.45, kInk, true);
    if (r.miou >= 0) miou_points.push_back({centre, miou_y(100 * r.miou)});
  }
  for (size_t i = 0; i < miou_points.size(); ++i) {
    if (i > 0) {
      cv::line(image, miou_points[i - 1], miou_points[i], kLine, 2,
               cv::LINE_AA);
    }
    cv::circle(image, miou_points[i], 4, kLine, cv::FILLED, cv::LINE_AA);
  }
  cv::line(image, origin, {kLeft + plot_w, origin.y}, kInk, 1);
  cv::line(image, origin, {kLeft, kTop}, kBar, 1);
  cv::line(image, {kLeft + plot_w, origin.y}, {kLeft + plot_w, kTop}, kLine, 1);
  Text(image, "bars: fps (label: speed-up over Single); line: mIoU",
       {kWidth / 2, kHeight - 20}, 0.45, kInk, true);

  return Save(path, image);
}

absl::Status WriteBreakdownPlot(const std::string& path,
                                const std::vector<ConfigResult>& results,
                                const std::string& title) {
  if (results.empty()) {
    return absl::InvalidArgumentError("no configuration to plot");
  }
  auto bar_total = [](const TimeBreakdown& b, bool master) {
    double total = 0;
    for (const BreakdownField& field : BreakdownFields()) {
      if (field.master == master) total += b.*field.value;
    }
    return total;
  };
  double most = 0;
  for (const ConfigResult& r : results) {
    most = std::max(
        {most, bar_total(r.breakdown, true), bar_total(r.breakdown, false)});
  }
  const double axis = NiceCeiling(most * 1.05);
  cv::Mat image = Canvas();
  LeftAxis(image, axis, "ms per frame", kInk);
  Text(image, title, {kWidth / 2, 30}, 0.6, kInk, true);
  const int plot_w = kWidth - kLeft - kRight;
  const int plot_h = kHeight - kTop - kBottom;
  const int base_y = kHeight - kBottom;
  const int slot = plot_w / static_cast<int>(results.size());
  const int bar_w = std::max(3, slot * 3 / 10);
  for (size_t i = 0; i < results.size(); ++i) {
    const ConfigResult& r = results[i];
    const int centre = kLeft + slot * static_cast<int>(i) + slot / 2;
    for (const bool master : {true, false}) {
      const int left = master ? centre - bar_w - 2 : centre + 2;
      double stacked = 0;
      for (const BreakdownField& field : BreakdownFields()) {
        if (field.master != master) continue;
        const double value = r.breakdown.*field.value;
        const int bottom = base_y - static_cast<int>(plot_h * stacked / axis);
        stacked += value;
        const int top = base_y - static_cast<int>(plot_h * stacked / axis);
        if (top < bottom) {
          cv::rectangle(image, {left, top}, {left + bar_w, bottom},
                        PartColour(field), cv::FILLED);
        }
      }
      Text(image, master ? "M" : "W", {left + bar_w / 2, base_y + 16}, 0.4,
           kInk, true);
    }
    Text(image, r.config.name, {centre, base_y + 36}, 0.45, kInk, true);
  }
  cv::line(image, {kLeft, base_y}, {kLeft + plot_w, base_y}, kInk, 1);
  // Legend: the master's parts, then the worker's, along the bottom.
  int x = kLeft;
  for (const bool master : {true, false}) {
    Text(image, master ? "master:" : "worker:", {x, kHeight - 12}, 0.42, kInk);
    x += 62;
    for (const BreakdownField& field : BreakdownFields()) {
      if (field.master != master) continue;
      cv::rectangle(image, {x, kHeight - 22}, {x + 10, kHeight - 12},
                    PartColour(field), cv::FILLED);
      Text(image, field.label, {x + 14, kHeight - 12}, 0.42, kInk);
      x += 24 + 8 * static_cast<int>(std::string(field.label).size());
    }
    x += 14;
  }
  return Save(path, image);
}

std::vector<const ConfigResult*> ParetoFront(
    const std::vector<ConfigResult>& results) {
  std::vector<const ConfigResult*> front;
  for (const ConfigResult& r : results) {
    if (r.miou < 0) continue;
    bool beaten = false;
    for (const ConfigResult& other : results) {
      if (&other == &r || other.miou < 0) continue;
      if (other.fps >= r.fps && other.miou >= r.miou &&
          (other.fps > r.fps || other.miou > r.miou)) {
        beaten = true;
        break;
      }
    }
    if (!beaten) front.push_back(&r);
  }
  std::sort(front.begin(), front.end(),
            [](const ConfigResult* a, const ConfigResult* b) {
              return a->fps < b->fps;
            });
  return front;
}

absl::Status WriteParetoPlot(const std::string& path,
                             const std::vector<ConfigResult>& results,
                             const std::string& title) {
  double most_fps = 0, least_miou = 100, most_miou = 0;
  int points = 0;
  for (const ConfigResult& r : results) {
    if (r.miou < 0) continue;
    ++points;
    most_fps = std::max(most_fps, r.fps);
    least_miou = std::min(least_miou, 100 * r.miou);
    most_miou = std::max(most_miou, 100 * r.miou);
  }
  if (points == 0) {
    return absl::InvalidArgumentError(
        "no configuration has an mIoU to plot against fps");
  }
  const double fps_axis = NiceCeiling(most_fps * 1.1);
  // mIoU from a round value below the lowest point, in steps of 5.
  const double miou_floor = std::max(0.0, 5 * std::floor(least_miou / 5 - 1));
  const double miou_top = std::min(100.0, 5 * std::ceil(most_miou / 5 + 0.5));
  const int plot_w = kWidth - kLeft - kRight;
  const int plot_h = kHeight - kTop - kBottom;
  auto at = [&](const ConfigResult& r) {
    return cv::Point(
        kLeft + static_cast<int>(plot_w * r.fps / fps_axis),
        kHeight - kBottom -
            static_cast<int>(plot_h * (100 * r.miou - miou_floor) /
                             std::max(1.0, miou_top - miou_floor)));
  };
  cv::Mat image = Canvas();
  Text(image, title, {kWidth / 2, 30}, 0.6, kInk, true);
  for (int tick = 0; tick <= 5; ++tick) {
    const int y = kHeight - kBottom - plot_h * tick / 5;
    const int x = kLeft + plot_w * tick / 5;
    cv::line(image, {kLeft, y}, {kLeft + plot_w, y}, kGrid, 1);
    cv::line(image, {x, kTop}, {x, kHeight - kBottom}, kGrid, 1);
    Text(image,
         absl::StrFormat("%.1f",
                         miou_floor + (miou_top - miou_floor) * tick / 5),
         {kLeft - 50, y + 5}, 0.45, kLine);
    Text(image, absl::StrFormat("%g", fps_axis * tick / 5),
         {x, kHeight - kBottom + 20}, 0.45, kBar, true);
  }
  Text(image, "mIoU %", {10, kTop - 15}, 0.5, kLine);
  Text(image, "fps", {kWidth - kRight + 10, kHeight - kBottom + 5}, 0.5, kBar);
  const std::vector<const ConfigResult*> front = ParetoFront(results);
  for (size_t i = 1; i < front.size(); ++i) {
    cv::line(image, at(*front[i - 1]), at(*front[i]), kLine, 2, cv::LINE_AA);
  }
  for (const ConfigResult& r : results) {
    if (r.miou < 0) continue;
    const bool on_front =
        std::find(front.begin(), front.end(), &r) != front.end();
    cv::circle(image, at(r), 5, on_front ? kLine : kBar, cv::FILLED,
               cv::LINE_AA);
    Text(image, r.config.name, at(r) + cv::Point(8, -6), 0.4, kInk);
  }
  Text(image,
       "orange: the Pareto front (no configuration is both faster and "
       "more accurate)",
       {kWidth / 2, kHeight - 20}, 0.45, kInk, true);
  return Save(path, image);
}

}  // namespace tessera::bench
