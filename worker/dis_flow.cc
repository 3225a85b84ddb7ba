// OpenCV's Dense Inverse Search flow (Kroeger et al. 2016) on grey images.
#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "absl/strings/str_format.h"
#include "common/cv_view.h"
#include "common/warp.h"
#include "worker/flow_backends.h"

namespace tessera::worker {
namespace {

class DisFlow final : public OpticalFlow {
 public:
  DisFlow(cv::Ptr<cv::DISOpticalFlow> dis, double scale, std::string name)
      : dis_(std::move(dis)), scale_(scale), name_(std::move(name)) {}

  absl::StatusOr<FlowField> Compute(const Image& current,
                                    const Image& key) override {
    if (absl::Status ok = CheckFlowInputs(current, key); !ok.ok()) return ok;
    try {
      const cv::Mat current_grey = Grey(current);
      const cv::Mat key_grey = Grey(key);
      cv::Mat flow;
      dis_->calc(current_grey, key_grey, flow);
      FlowField field;
      field.width = flow.cols;
      field.height = flow.rows;
      field.vectors.assign(
          reinterpret_cast<const float*>(flow.data),
          reinterpret_cast<const float*>(flow.data) + flow.total() * 2);
      return ResizeFlow(field, current.size());
    } catch (const cv::Exception& e) {
      return absl::InternalError(
          absl::StrFormat("DIS optical flow failed: %s", e.what()));
    }
  }

  std::string name() const override { return name_; }

 private:
  cv::Mat Grey(const Image& image) const {
    cv::Mat grey;
    cv::cvtColor(MatView(image), grey, cv::COLOR_RGB2GRAY);
    if (scale_ < 1) {
      const int width = std::max(8, static_cast<int>(image.width * scale_));
      const int height = std::max(8, static_cast<int>(image.height * scale_));
      cv::resize(grey, grey, cv::Size(width, height), 0, 0, cv::INTER_AREA);
    }
    return grey;
  }

  cv::Ptr<cv::DISOpticalFlow> dis_;
  double scale_;
  std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpticalFlow>> CreateDisFlow(
    const OpticalFlowOptions& options) {
  int preset;
  if (options.preset == "ultrafast") {
    preset = cv::DISOpticalFlow::PRESET_ULTRAFAST;
  } else if (options.preset == "fast") {
    preset = cv::DISOpticalFlow::PRESET_FAST;
  } else if (options.preset == "medium") {
    preset = cv::DISOpticalFlow::PRESET_MEDIUM;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown DIS preset '%s' (known: ultrafast, fast, medium)",
        options.preset));
  }
  cv::Ptr<cv::DISOpticalFlow> dis = cv::DISOpticalFlow::create(preset);
  return std::make_unique<DisFlow>(
      std::move(dis), options.scale,
      absl::StrFormat("dis-%s@%g", options.preset, options.scale));
}

}  // namespace tessera::worker
