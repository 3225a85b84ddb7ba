#include "tools/bench_plot.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_format.h"

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

// A round axis maximum at or above `value`: 1, 2 or 5 times a power of 10.
double NiceCeiling(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

}  // namespace

absl::Status WriteScalingPlot(const std::string& path,
                              const std::vector<ConfigResult>& results,
                              const std::string& title) {
  if (results.empty()) {
    return absl::InvalidArgumentError("no configuration to plot");
  }
  cv::Mat image(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
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

  if (!cv::imwrite(path, image)) {
    return absl::InvalidArgumentError(absl::StrFormat("cannot write %s", path));
  }
  return absl::OkStatus();
}

}  // namespace tessera::bench
