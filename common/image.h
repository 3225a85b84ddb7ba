// Plain pixel containers shared by every Tessera component. They carry no
// OpenCV or LibTorch types so that any header may include them cheaply.
//
//   Image frame = Image::Create(1920, 1080, 3);   // RGB, zero-filled
//   frame.at(x, y)[1] = 255;                      // green channel
#ifndef TESSERA_COMMON_IMAGE_H_
#define TESSERA_COMMON_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera {

struct Size {
  int width = 0;
  int height = 0;
  friend bool operator==(const Size& a, const Size& b) {
    return a.width == b.width && a.height == b.height;
  }
  friend bool operator!=(const Size& a, const Size& b) { return !(a == b); }
};

struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;

  int right() const { return x + width; }    // exclusive
  int bottom() const { return y + height; }  // exclusive
  bool Contains(int px, int py) const {
    return px >= x && px < right() && py >= y && py < bottom();
  }
  friend bool operator==(const Rect& a, const Rect& b) {
    return a.x == b.x && a.y == b.y && a.width == b.width &&
           a.height == b.height;
  }
};

// An 8-bit image, rows packed without padding, channels interleaved.
// Colour images are RGB (3 channels); label maps and confidence maps have one
// channel holding a class id or a 0..255 confidence per pixel.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;

  static Image Create(int width, int height, int channels) {
    Image image;
    image.width = width;
    image.height = height;
    image.channels = channels;
    image.pixels.assign(static_cast<size_t>(width) * height * channels, 0);
    return image;
  }

  bool empty() const { return pixels.empty(); }
  Size size() const { return {width, height}; }
  size_t row_bytes() const { return static_cast<size_t>(width) * channels; }
  uint8_t* row(int y) { return pixels.data() + y * row_bytes(); }
  const uint8_t* row(int y) const { return pixels.data() + y * row_bytes(); }
  uint8_t* at(int x, int y) {
    return row(y) + static_cast<size_t>(x) * channels;
  }
  const uint8_t* at(int x, int y) const {
    return row(y) + static_cast<size_t>(x) * channels;
  }
};

// A label map is an Image with one channel of class ids.
using LabelMap = Image;

}  // namespace tessera

#endif  // TESSERA_COMMON_IMAGE_H_
