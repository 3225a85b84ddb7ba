#include "common/warp.h"

#include <opencv2/imgproc.hpp>

#include "absl/strings/str_format.h"
#include "common/cv_view.h"

namespace tessera {
namespace {

absl::Status CheckSizes(const Image& source, const FlowField& flow) {
  if (source.size() != flow.size() || source.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot warp a %dx%d image by a %dx%d flow field",
                        source.width, source.height, flow.width, flow.height));
  }
  return absl::OkStatus();
}

// A cv::Mat view of the flow's interleaved (dx, dy) floats.
cv::Mat FlowView(const FlowField& flow) {
  return cv::Mat(flow.height, flow.width, CV_32FC2,
                 const_cast<float*>(flow.vectors.data()));
}

}  // namespace

absl::StatusOr<Image> WarpNearest(const Image& source, const FlowField& flow) {
  if (absl::Status sizes = CheckSizes(source, flow); !sizes.ok()) return sizes;
  Image out = Image::Create(source.width, source.height, source.channels);
  const int channels = source.channels;
  for (int y = 0; y < source.height; ++y) {
    const float* v = flow.vectors.data() + flow.index(0, y);
    uint8_t* dst = out.row(y);
    for (int x = 0; x < source.width; ++x, v += 2, dst += channels) {
      const uint8_t* src =
          source.at(NearestSourcePixel(x, v[0], source.width),
                    NearestSourcePixel(y, v[1], source.height));
      for (int c = 0; c < channels; ++c) dst[c] = src[c];
    }
  }
  return out;
}

absl::StatusOr<Image> WarpBilinear(const Image& source, const FlowField& flow) {
  if (absl::Status sizes = CheckSizes(source, flow); !sizes.ok()) return sizes;
  cv::Mat map(flow.height, flow.width, CV_32FC2);
  for (int y = 0; y < flow.height; ++y) {
    const float* v = flow.vectors.data() + flow.index(0, y);
    auto* m = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < flow.width; ++x, v += 2) {
      m[x] = {static_cast<float>(x) + v[0], static_cast<float>(y) + v[1]};
    }
  }
  Image out = Image::Create(source.width, source.height, source.channels);
  cv::Mat dst = MatView(out);
  cv::remap(MatView(source), dst, map, cv::noArray(), cv::INTER_LINEAR,
            cv::BORDER_REPLICATE);
  return out;
}

FlowField ResizeFlow(const FlowField& flow, Size size) {
  if (flow.size() == size) return flow;
  FlowField out = FlowField::Zero(size.width, size.height);
  if (flow.empty() || size.width <= 0 || size.height <= 0) return out;
  cv::Mat dst = FlowView(out);
  cv::resize(FlowView(flow), dst, cv::Size(size.width, size.height), 0, 0,
             cv::INTER_LINEAR);
  const float sx = static_cast<float>(size.width) / flow.width;
  const float sy = static_cast<float>(size.height) / flow.height;
  for (size_t i = 0; i < out.vectors.size(); i += 2) {
    out.vectors[i] *= sx;
    out.vectors[i + 1] *= sy;
  }
  return out;
}

}  // namespace tessera
