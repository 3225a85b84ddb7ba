// Dense optical flow between two images of the same size, stored backward:
// for each pixel p of the *current* image, p + flow(p) is where that point
// was in the *reference* (key) image. Warping the reference by this field
// samples it at p + flow(p), which is how DVSNet's flow path moves a key
// frame's segmentation onto the current frame.
//
//   FlowField flow = FlowField::Zero(width, height);
//   flow.dx(x, y) = 2.5f;  // this pixel came from 2.5 px to the right
#ifndef TESSERA_COMMON_FLOW_FIELD_H_
#define TESSERA_COMMON_FLOW_FIELD_H_

#include <cstddef>
#include <vector>

#include "common/image.h"

namespace tessera {

struct FlowField {
  int width = 0;
  int height = 0;
  std::vector<float> vectors;  // (dx, dy) per pixel, row-major

  static FlowField Zero(int width, int height) {
    FlowField flow;
    flow.width = width;
    flow.height = height;
    flow.vectors.assign(static_cast<size_t>(width) * height * 2, 0.0f);
    return flow;
  }
  bool empty() const { return vectors.empty(); }
  Size size() const { return {width, height}; }
  size_t index(int x, int y) const {
    return 2 * (static_cast<size_t>(y) * width + x);
  }
  float& dx(int x, int y) { return vectors[index(x, y)]; }
  float& dy(int x, int y) { return vectors[index(x, y) + 1]; }
  float dx(int x, int y) const { return vectors[index(x, y)]; }
  float dy(int x, int y) const { return vectors[index(x, y) + 1]; }
};

}  // namespace tessera

#endif  // TESSERA_COMMON_FLOW_FIELD_H_
