#include "tools/synth_output.h"

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/cv_view.h"
#include "common/folders.h"
#include "opencv2/core.hpp"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"
#include "opencv2/videoio.hpp"

namespace tessera::tools {
namespace {

namespace fs = std::filesystem;

constexpr float kFloTag = 202021.25f;
constexpr int kMaxFloSide = 1 << 16;

absl::Status WritePng(const fs::path& path, const cv::Mat& mat) {
  if (!cv::imwrite(path.string(), mat)) {
    return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

bool IsWellFormed(const Image& image, int channels) {
  return image.width > 0 && image.height > 0 && image.channels == channels &&
         image.pixels.size() ==
             static_cast<size_t>(image.width) * image.height * channels;
}

}  // namespace

absl::Status WriteFlo(const std::string& path, int width, int height,
                      const std::vector<float>& flow) {
  if (width <= 0 || height <= 0 ||
      flow.size() != 2 * static_cast<size_t>(width) * height) {
    return absl::InvalidArgumentError(
        absl::StrFormat("flow for %s has %d values, expected 2 x %d x %d", path,
                        flow.size(), width, height));
  }
  // The format is little-endian, as are all the machines we build for.
  static_assert(sizeof(float) == 4, ".flo stores 32-bit floats");
  const int32_t size[2] = {width, height};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(&kFloTag), 4);
  out.write(reinterpret_cast<const char*>(size), 8);
  out.write(reinterpret_cast<const char*>(flow.data()),
            static_cast<std::streamsize>(flow.size() * sizeof(float)));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<FloFile> ReadFlo(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  float tag = 0;
  int32_t size[2] = {0, 0};
  in.read(reinterpret_cast<char*>(&tag), 4);
  in.read(reinterpret_cast<char*>(size), 8);
  if (!in || tag != kFloTag) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a .flo file (bad header)"));
  }
  if (size[0] <= 0 || size[1] <= 0 || size[0] > kMaxFloSide ||
      size[1] > kMaxFloSide) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s has an impossible size %dx%d", path, size[0], size[1]));
  }
  FloFile flo;
  flo.width = size[0];
  flo.height = size[1];
  flo.flow.resize(2 * static_cast<size_t>(flo.width) * flo.height);
  const auto bytes =
      static_cast<std::streamsize>(flo.flow.size() * sizeof(float));
  in.read(reinterpret_cast<char*>(flo.flow.data()), bytes);
  if (in.gcount() != bytes || in.peek() != std::char_traits<char>::eof()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s does not hold exactly %dx%d flow vectors", path,
                        flo.width, flo.height));
  }
  return flo;
}

struct SynthWriter::Video {
  cv::VideoWriter writer;
};

SynthWriter::SynthWriter(std::string folder, double fps, bool video)
    : folder_(std::move(folder)),
      fps_(fps),
      video_(video),
      writer_(std::make_unique<Video>()) {}

SynthWriter::~SynthWriter() { Close().IgnoreError(); }

absl::StatusOr<std::unique_ptr<SynthWriter>> SynthWriter::Open(
    const std::string& folder, double fps, bool video) {
  if (folder.empty()) {
    return absl::InvalidArgumentError("the output folder is empty");
  }
  for (const char* sub : {"frames", "labels", "flow", "occlusion"}) {
    if (absl::Status s = CreateFolder(fs::path(folder) / sub); !s.ok()) {
      return s;
    }
  }
  return std::unique_ptr<SynthWriter>(new SynthWriter(folder, fps, video));
}

absl::Status SynthWriter::Write(const SynthFrame& frame) {
  const int w = frame.image.width;
  const int h = frame.image.height;
  if (!IsWellFormed(frame.image, 3) || !IsWellFormed(frame.labels, 1) ||
      !IsWellFormed(frame.occlusion, 1) || frame.labels.size() != Size{w, h} ||
      frame.occlusion.size() != Size{w, h}) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frame %d is malformed", frame.index));
  }
  const fs::path root(folder_);
  const std::string name = absl::StrFormat("%06d", frame.index);
  if (absl::Status s = WriteFlo((root / "flow" / (name + ".flo")).string(), w,
                                h, frame.flow);
      !s.ok()) {
    return s;
  }
  try {
    cv::Mat bgr;
    cv::cvtColor(MatView(frame.image), bgr, cv::COLOR_RGB2BGR);
    const cv::Mat occlusion = MatView(frame.occlusion) * 255;
    for (const auto& [dir, mat] :
         {std::pair<const char*, cv::Mat>{"frames", bgr},
          {"labels", MatView(frame.labels)},
          {"occlusion", occlusion}}) {
      if (absl::Status s = WritePng(root / dir / (name + ".png"), mat);
          !s.ok()) {
        return s;
      }
    }
    if (video_) {
      if (!writer_->writer.isOpened()) {
        const std::string path = (root / "clip.mp4").string();
        if (!writer_->writer.open(path,
                                  cv::VideoWriter::fourcc('m', 'p', '4', 'v'),
                                  fps_, cv::Size(w, h), /*isColor=*/true)) {
          return absl::InternalError(
              absl::StrCat("cannot open video writer for ", path));
        }
      }
      writer_->writer.write(bgr);
    }
  } catch (const std::exception& e) {  // cv::Exception included
    return absl::InternalError(
        absl::StrFormat("cannot write frame %d: %s", frame.index, e.what()));
  }
  return absl::OkStatus();
}

absl::Status SynthWriter::Close() {
  try {
    if (writer_ != nullptr) writer_->writer.release();
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("cannot finish ", folder_, "/clip.mp4: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace tessera::tools
