// A cv::Mat header over an Image's pixels, without copying, for the .cc files
// that hand images to OpenCV. Include it only from .cc files: it pulls in
// OpenCV's core header.
//
//   cv::imwrite(path, MatView(labels));
#ifndef TESSERA_COMMON_CV_VIEW_H_
#define TESSERA_COMMON_CV_VIEW_H_

#include <opencv2/core.hpp>

#include "common/image.h"

namespace tessera {

// OpenCV's writers take const inputs but the Mat constructor wants a
// non-const pointer; the view must not be written through.
inline cv::Mat MatView(const Image& image) {
  return cv::Mat(image.height, image.width, CV_8UC(image.channels),
                 const_cast<uint8_t*>(image.pixels.data()));
}

}  // namespace tessera

#endif  // TESSERA_COMMON_CV_VIEW_H_
