#include "common/pixel_codecs.h"

#include <png.h>
#include <turbojpeg.h>

#include <csetjmp>
#include <cstring>
#include <memory>

#include "absl/strings/str_format.h"

namespace tessera {
namespace {

// ---------------------------------------------------------------------------
// libpng reports errors by longjmp to the setjmp of the function that called
// it. The functions holding a setjmp below therefore keep only trivially
// destructible locals and write into buffers their callers own.

struct PngSource {
  const unsigned char* data;
  size_t size;
  size_t offset;
};

struct PngSink {
  std::string* out;
};

void OnPngError(png_structp png, png_const_charp message) {
  auto* error = static_cast<std::string*>(png_get_error_ptr(png));
  error->assign(message);
  png_longjmp(png, 1);
}

void OnPngWarning(png_structp, png_const_charp) {}

void ReadFromMemory(png_structp png, png_bytep out, size_t length) {
  auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
  if (length > source->size - source->offset) {
    png_error(png, "the data ends early");
  }
  std::memcpy(out, source->data + source->offset, length);
  source->offset += length;
}

void WriteToString(png_structp png, png_bytep data, size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  try {
    sink->out->append(reinterpret_cast<const char*>(data), length);
  } catch (const std::exception&) {  // no exception may cross libpng
    png_error(png, "out of memory");
  }
}

void FlushNothing(png_structp) {}

// Decodes into `pixels` (width x height x channels, owned by the caller).
// False with `*error` set when libpng refuses the data.
bool ReadPng(PngSource* source, int width, int height, int channels,
             uint8_t* pixels, std::string* error) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, error,
                                           OnPngError, OnPngWarning);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    error->assign("libpng could not start");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, source, ReadFromMemory);
  png_read_info(png, info);
  // Only widening transforms: no gamma, no alpha from tRNS, so that label
  // values arrive exactly as written.
  png_set_palette_to_rgb(png);
  png_set_expand_gray_1_2_4_to_8(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (static_cast<int>(png_get_image_width(png, info)) != width ||
      static_cast<int>(png_get_image_height(png, info)) != height ||
      png_get_channels(png, info) != channels ||
      png_get_bit_depth(png, info) != 8) {
    png_error(png, "the decoded shape differs from the header");
  }
  const size_t stride = static_cast<size_t>(width) * channels;
  for (int pass = 0; pass < passes; ++pass) {
    for (int y = 0; y < height; ++y) {
      png_read_row(png, pixels + y * stride, nullptr);
    }
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

bool WritePng(const Image& image, PngSink* sink, std::string* error) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, error,
                                            OnPngError, OnPngWarning);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    error->assign("libpng could not start");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, sink, WriteToString, FlushNothing);
  png_set_IHDR(png, info, image.width, image.height, 8,
               image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_write_info(png, info);
  const size_t stride = static_cast<size_t>(image.width) * image.channels;
  for (int y = 0; y < image.height; ++y) {
    png_write_row(png, image.pixels.data() + y * stride);
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// ---------------------------------------------------------------------------
// libjpeg-turbo's TurboJPEG API returns errors; a handle is freed however a
// function leaves.

struct TjDestroy {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDestroy>;

}  // namespace

absl::StatusOr<Image> DecodePngPixels(std::string_view bytes,
                                      const ImageHeader& header) {
  Image image = Image::Create(header.width, header.height, header.channels);
  PngSource source{reinterpret_cast<const unsigned char*>(bytes.data()),
                   bytes.size(), 0};
  std::string error;
  if (!ReadPng(&source, header.width, header.height, header.channels,
               image.pixels.data(), &error)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PNG data is corrupt: %s", error));
  }
  return image;
}

absl::StatusOr<Image> DecodeJpegPixels(std::string_view bytes,
                                       const ImageHeader& header) {
  TjHandle handle(tjInitDecompress());
  if (handle == nullptr) {
    return absl::InternalError(absl::StrFormat(
        "libjpeg-turbo could not start: %s", tjGetErrorStr2(nullptr)));
  }
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, bytes.size(), &width, &height,
                          &subsampling, &colorspace) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "JPEG data is corrupt: %s", tjGetErrorStr2(handle.get())));
  }
  if (width != header.width || height != header.height) {
    return absl::InvalidArgumentError(
        absl::StrFormat("JPEG decoded to %dx%d but its header says %dx%d",
                        width, height, header.width, header.height));
  }
  Image image = Image::Create(width, height, header.channels);
  const int format = header.channels == 1 ? TJPF_GRAY : TJPF_RGB;
  // A warning (e.g. a few bytes of padding after the image) still leaves a
  // whole image, as libjpeg's own decoder does; only errors fail.
  if (tjDecompress2(handle.get(), data, bytes.size(), image.pixels.data(),
                    width, 0, height, format, 0) != 0 &&
      tjGetErrorCode(handle.get()) != TJERR_WARNING) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "JPEG data is corrupt: %s", tjGetErrorStr2(handle.get())));
  }
  return image;
}

absl::StatusOr<std::string> EncodePngPixels(const Image& image) {
  std::string out;
  out.reserve(image.pixels.size() / 4 + 1024);
  PngSink sink{&out};
  std::string error;
  if (!WritePng(image, &sink, &error)) {
    return absl::InternalError(
        absl::StrFormat("PNG encoding of a %dx%d image failed: %s", image.width,
                        image.height, error));
  }
  return out;
}

absl::StatusOr<std::string> EncodeJpegPixels(const Image& image, int quality) {
  TjHandle handle(tjInitCompress());
  if (handle == nullptr) {
    return absl::InternalError(absl::StrFormat(
        "libjpeg-turbo could not start: %s", tjGetErrorStr2(nullptr)));
  }
  unsigned char* buffer = nullptr;
  unsigned long size = 0;  // NOLINT(runtime/int): TurboJPEG's type
  const bool grey = image.channels == 1;
  const int failed =
      tjCompress2(handle.get(), image.pixels.data(), image.width, 0,
                  image.height, grey ? TJPF_GRAY : TJPF_RGB, &buffer, &size,
                  grey ? TJSAMP_GRAY : TJSAMP_420, quality, 0);
  std::string out;
  if (!failed) out.assign(reinterpret_cast<const char*>(buffer), size);
  tjFree(buffer);
  if (failed) {
    return absl::InternalError(absl::StrFormat(
        "JPEG encoding of a %dx%d image failed: %s", image.width, image.height,
        tjGetErrorStr2(handle.get())));
  }
  return out;
}

}  // namespace tessera
