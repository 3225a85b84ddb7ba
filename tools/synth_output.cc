#include "tools/synth_output.h"

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file_bytes.h"
#include "common/folders.h"
#include "common/image_codec.h"
#include "common/video_io.h"

namespace tessera::tools {
namespace {

namespace fs = std::filesystem;

constexpr float kFloTag = 202021.25f;
constexpr int kMaxFloSide = 1 << 16;

absl::Status WritePng(const fs::path& path, const Image& image) {
  absl::StatusOr<std::string> png = EncodeImage(image, Encoding::kPng);
  if (!png.ok()) {
    return absl::Status(png.status().code(),
                        absl::StrCat("cannot encode ", path.string(), ": ",
                                     png.status().message()));
  }
  return WriteFileBytes(path.string(), *png);
}

// The occlusion mask holds 0 and 1; it is written as 0 and 255 so that it
// can be looked at.
Image VisibleMask(const Image& mask) {
  Image visible = mask;
  for (uint8_t& value : visible.pixels) value = value != 0 ? 255 : 0;
  return visible;
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

SynthWriter::SynthWriter(std::string folder, double fps, bool video)
    : folder_(std::move(folder)), fps_(fps), video_(video) {}

SynthWriter::~SynthWriter() { Close().IgnoreError(); }

absl::StatusOr<std::unique_ptr<SynthWriter>> SynthWriter::Open(
    const std::string& folder, double fps, bool video) {
  if (folder.empty()) {
    return absl::InvalidArgumentError("the output folder is empty");
  }
  if (video && !video_io::VideoAvailable()) {
    return absl::FailedPreconditionError(
        "cannot write clip.mp4: this build has no video output (built with "
        "TESSERA_VIDEO_IO=OFF); leave out --video");
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
  const std::string name = absl::StrFormat("%06d", frame.index) + ".png";
  if (absl::Status s = WriteFlo(
          (root / "flow" / absl::StrFormat("%06d.flo", frame.index)).string(),
          w, h, frame.flow);
      !s.ok()) {
    return s;
  }
  for (const auto& [dir, image] :
       {std::pair<const char*, const Image*>{"frames", &frame.image},
        {"labels", &frame.labels}}) {
    if (absl::Status s = WritePng(root / dir / name, *image); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s =
          WritePng(root / "occlusion" / name, VisibleMask(frame.occlusion));
      !s.ok()) {
    return s;
  }
  if (!video_) return absl::OkStatus();
  if (video_writer_ == nullptr) {
    absl::StatusOr<std::unique_ptr<video_io::VideoWriter>> writer =
        video_io::OpenVideoWriter((root / "clip.mp4").string(), fps_,
                                  Size{w, h});
    if (!writer.ok()) return writer.status();
    video_writer_ = *std::move(writer);
  }
  return video_writer_->Write(frame.image);
}

absl::Status SynthWriter::Close() {
  if (video_writer_ == nullptr) return absl::OkStatus();
  absl::Status closed = video_writer_->Close();
  video_writer_.reset();
  return closed;
}

}  // namespace tessera::tools
