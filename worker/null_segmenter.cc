// The null backend: no network at all. Labels follow pixel brightness so that
// they still depend on the input; it exists to measure transport and
// scheduling overhead, and says so in its name.
#include <algorithm>

#include "absl/strings/str_format.h"
#include "worker/segmenter_backends.h"

namespace tessera::worker {
namespace {

class NullSegmenter : public Segmenter {
 public:
  explicit NullSegmenter(int num_classes) : num_classes_(num_classes) {}

  absl::StatusOr<Segmentation> Segment(const Image& image,
                                       bool want_confidence) override {
    if (image.channels != 3 || image.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("null segmenter needs an RGB image, got %dx%dx%d",
                          image.width, image.height, image.channels));
    }
    Segmentation out;
    out.labels = LabelMap::Create(image.width, image.height, 1);
    const size_t pixels = static_cast<size_t>(image.width) * image.height;
    for (size_t i = 0; i < pixels; ++i) {
      const uint8_t* rgb = image.pixels.data() + 3 * i;
      const int brightness = (rgb[0] + rgb[1] + rgb[2]) / 3;
      out.labels.pixels[i] =
          static_cast<uint8_t>(brightness * num_classes_ / 256);
    }
    if (want_confidence) {
      out.confidence = Image::Create(image.width, image.height, 1);
      std::fill(out.confidence.pixels.begin(), out.confidence.pixels.end(),
                255);
    }
    return out;
  }
  std::string model_name() const override { return "null"; }
  std::string device() const override { return "cpu"; }
  int num_classes() const override { return num_classes_; }

 private:
  int num_classes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Segmenter>> CreateNullSegmenter(
    const SegmenterOptions& options) {
  if (options.null_classes < 1 || options.null_classes > 255) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "null backend classes %d outside 1..255", options.null_classes));
  }
  return std::make_unique<NullSegmenter>(options.null_classes);
}

}  // namespace tessera::worker
