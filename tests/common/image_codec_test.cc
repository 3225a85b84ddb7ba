#include "common/image_codec.h"

#include <cstdlib>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tessera {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A smooth, channel-distinct pattern: JPEG reproduces it closely.
Image Gradient(int width, int height, int channels) {
  Image image = Image::Create(width, height, channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        image.at(x, y)[c] = static_cast<uint8_t>(
            10 + 100 * x / width + 60 * y / height + 40 * c);  // <= 250
      }
    }
  }
  return image;
}

Image Noise(int width, int height, int channels, uint32_t seed) {
  std::mt19937 rng(seed);
  Image image = Image::Create(width, height, channels);
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(rng());
  return image;
}

std::string Encode(const Image& image, Encoding encoding) {
  absl::StatusOr<std::string> bytes = EncodeImage(image, encoding);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

// Signature and IHDR chunk (CRC not computed: the peek does not check it).
std::string PngHeader(uint32_t width, uint32_t height, int depth, int colour) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + Be32(13) + "IHDR" + Be32(width) +
         Be32(height) + static_cast<char>(depth) + static_cast<char>(colour) +
         std::string(3, '\0') + Be32(0);
}

std::string Segment(uint8_t marker, const std::string& payload) {
  const size_t length = payload.size() + 2;
  return std::string{'\xFF', static_cast<char>(marker),
                     static_cast<char>(length >> 8),
                     static_cast<char>(length & 0xFF)} +
         payload;
}

// SOI, APP0, a DHT whose bytes would read as a 9x9 frame if the parser
// mistook C4 for a frame marker, fill bytes, then a frame header.
std::string JpegHeader(uint8_t sof, int precision, int width, int height,
                       int components) {
  std::string frame{
      static_cast<char>(precision), static_cast<char>(height >> 8),
      static_cast<char>(height),    static_cast<char>(width >> 8),
      static_cast<char>(width),     static_cast<char>(components)};
  for (int c = 0; c < components; ++c)
    frame += std::string{char(c + 1), 0x11, 0};
  return std::string("\xFF\xD8", 2) + Segment(0xE0, "JFIF padding") +
         Segment(0xC4, std::string("\x08\x00\x09\x00\x09\x01", 6)) +
         std::string("\xFF\xFF", 2) + Segment(sof, frame);
}

void ExpectSameImage(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.channels, b.channels);
  EXPECT_EQ(a.pixels, b.pixels);
}

TEST(ImageCodecTest, EncodingNamesParseInAnyCase) {
  EXPECT_EQ(EncodingName(Encoding::kRaw), "raw");
  EXPECT_EQ(EncodingName(Encoding::kJpeg), "jpeg");
  EXPECT_EQ(EncodingName(Encoding::kPng), "png");
  EXPECT_EQ(*ParseEncoding("RAW"), Encoding::kRaw);
  EXPECT_EQ(*ParseEncoding("jpg"), Encoding::kJpeg);
  EXPECT_EQ(*ParseEncoding("Jpeg"), Encoding::kJpeg);
  EXPECT_EQ(*ParseEncoding("png"), Encoding::kPng);
  absl::StatusOr<Encoding> bad = ParseEncoding("bmp");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("unknown encoding \"bmp\""));
}

TEST(ImageCodecTest, RawAndPngRoundTripExactly) {
  for (int channels : {1, 3}) {
    const Image image = Noise(13, 7, channels, 1);
    for (Encoding encoding : {Encoding::kRaw, Encoding::kPng}) {
      SCOPED_TRACE(EncodingName(encoding));
      const std::string bytes = Encode(image, encoding);
      absl::StatusOr<Image> back =
          DecodeImage(bytes, encoding, {13, 7, channels});
      ASSERT_TRUE(back.ok()) << back.status();
      ExpectSameImage(*back, image);
    }
  }
}

TEST(ImageCodecTest, PngDecodesWithoutExpectation) {
  const Image image = Noise(5, 9, 3, 2);
  absl::StatusOr<Image> back =
      DecodeImage(Encode(image, Encoding::kPng), Encoding::kPng, {});
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameImage(*back, image);
}

TEST(ImageCodecTest, JpegRoundTripsWithinTolerance) {
  for (int channels : {1, 3}) {
    const Image image = Gradient(32, 24, channels);
    absl::StatusOr<std::string> bytes =
        EncodeImage(image, Encoding::kJpeg, /*jpeg_quality=*/95);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::StatusOr<Image> back =
        DecodeImage(*bytes, Encoding::kJpeg, {32, 24, channels});
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(back->pixels.size(), image.pixels.size());
    int worst = 0;
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      worst = std::max(worst, std::abs(back->pixels[i] - image.pixels[i]));
    }
    EXPECT_LE(worst, 8) << channels << " channels";
  }
}

TEST(ImageCodecTest, ColourStaysRgbThroughEncodeAndDecode) {
  Image red = Image::Create(16, 16, 3);
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) red.at(x, y)[0] = 255;
  }
  for (Encoding encoding : {Encoding::kPng, Encoding::kJpeg}) {
    absl::StatusOr<Image> back =
        DecodeImage(Encode(red, encoding), encoding, {16, 16, 3});
    ASSERT_TRUE(back.ok()) << back.status();
    const uint8_t* p = back->at(8, 8);
    EXPECT_GE(p[0], 240) << EncodingName(encoding);
    EXPECT_LE(p[2], 15) << EncodingName(encoding);
  }
}

// PNGs written by hand (IHDR, PLTE, IDAT, IEND), in the forms a label or
// frame file may take that Tessera itself never writes.
TEST(ImageCodecTest, PalettePngBecomesRgbAndOneBitGreyWidens) {
  // 3x2, 8-bit palette indices 0 1 2 / 2 1 0 into red, green, blue.
  const std::string palette(
      "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52"
      "\x00\x00\x00\x03\x00\x00\x00\x02\x08\x03\x00\x00\x00\xaa\xaa\x96"
      "\x28\x00\x00\x00\x09\x50\x4c\x54\x45\xff\x00\x00\x00\xff\x00\x00"
      "\x00\xff\x2d\x4a\xcd\x8a\x00\x00\x00\x10\x49\x44\x41\x54\x78\x9c"
      "\x63\x60\x60\x64\x62\x60\x62\x64\x00\x00\x00\x20\x00\x07\x1d\x2b"
      "\x70\xa0\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
      94);
  absl::StatusOr<Image> rgb = DecodeImage(palette, Encoding::kPng, {});
  ASSERT_TRUE(rgb.ok()) << rgb.status();
  ASSERT_EQ(rgb->channels, 3);
  EXPECT_EQ(rgb->pixels,
            (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255,  //
                                  0, 0, 255, 0, 255, 0, 255, 0, 0}));
  // 3x2 grey at 1 bit per pixel: 1 0 1 / 0 1 0, widened to 255 and 0.
  const std::string grey(
      "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52"
      "\x00\x00\x00\x03\x00\x00\x00\x02\x01\x00\x00\x00\x00\xb5\x0f\x5b"
      "\xb7\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63\x58\xc0\xe0\x00"
      "\x00\x02\x24\x00\xe1\x73\xeb\x3b\xf2\x00\x00\x00\x00\x49\x45\x4e"
      "\x44\xae\x42\x60\x82",
      69);
  absl::StatusOr<Image> widened =
      DecodeImage(grey, Encoding::kPng, {.channels = 1});
  ASSERT_TRUE(widened.ok()) << widened.status();
  EXPECT_EQ(widened->pixels, (std::vector<uint8_t>{255, 0, 255, 0, 255, 0}));
}

// Files from another encoder (OpenCV's) decode to the same pixels.
TEST(ImageCodecTest, DecodesOpenCvsPngsExactly) {
  cv::Mat bgr(19, 23, CV_8UC3);
  cv::randu(bgr, 0, 256);
  std::vector<uchar> png;
  ASSERT_TRUE(cv::imencode(".png", bgr, png));
  absl::StatusOr<Image> rgb = DecodeImage(std::string(png.begin(), png.end()),
                                          Encoding::kPng, {23, 19, 3});
  ASSERT_TRUE(rgb.ok()) << rgb.status();
  for (int y = 0; y < 19; ++y) {
    for (int x = 0; x < 23; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      ASSERT_EQ(rgb->at(x, y)[0], p[2]);
      ASSERT_EQ(rgb->at(x, y)[1], p[1]);
      ASSERT_EQ(rgb->at(x, y)[2], p[0]);
    }
  }
}

// Multi-scan and restart-marker files exercise the walk through scan data.
TEST(ImageCodecTest, ProgressiveAndRestartJpegsDecode) {
  const cv::Mat bgr(24, 40, CV_8UC3, cv::Scalar(30, 90, 200));
  const std::vector<std::vector<int>> variants = {
      {cv::IMWRITE_JPEG_PROGRESSIVE, 1}, {cv::IMWRITE_JPEG_RST_INTERVAL, 1}};
  for (const std::vector<int>& params : variants) {
    std::vector<uchar> buffer;
    ASSERT_TRUE(cv::imencode(".jpg", bgr, buffer, params));
    const std::string bytes(buffer.begin(), buffer.end());
    absl::StatusOr<Image> image =
        DecodeImage(bytes, Encoding::kJpeg, {40, 24, 3});
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_NEAR(image->at(5, 5)[0], 200, 4);  // red, as RGB
    EXPECT_NEAR(image->at(5, 5)[2], 30, 4);
    absl::StatusOr<Image> cut = DecodeImage(
        std::string_view(bytes.data(), bytes.size() - 3), Encoding::kJpeg, {});
    EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(cut.status().message(), HasSubstr("JPEG data is truncated"));
  }
}

TEST(ImageCodecTest, PeekReadsEncodedHeaders) {
  for (int channels : {1, 3}) {
    const Image image = Gradient(21, 11, channels);
    for (Encoding encoding : {Encoding::kPng, Encoding::kJpeg}) {
      absl::StatusOr<ImageExpectation> header =
          PeekImageHeader(Encode(image, encoding), encoding);
      ASSERT_TRUE(header.ok()) << header.status();
      EXPECT_EQ(header->width, 21);
      EXPECT_EQ(header->height, 11);
      EXPECT_EQ(header->channels, channels);
    }
  }
}

TEST(ImageCodecTest, PeekMapsPngColourTypesToChannels) {
  const std::vector<std::pair<int, int>> cases = {
      {0, 1}, {2, 3}, {3, 3}, {4, 2}, {6, 4}};
  for (const auto& [colour, channels] : cases) {
    absl::StatusOr<ImageExpectation> header =
        PeekImageHeader(PngHeader(640, 480, 8, colour), Encoding::kPng);
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->width, 640);
    EXPECT_EQ(header->height, 480);
    EXPECT_EQ(header->channels, channels) << "colour type " << colour;
  }
}

TEST(ImageCodecTest, PeekRejectsMalformedPngHeaders) {
  const struct {
    std::string bytes;
    std::string message;
  } cases[] = {
      {"GIF89a and more bytes than a header", "PNG signature is missing"},
      {PngHeader(4, 4, 8, 5), "colour type 5 is invalid"},
      {PngHeader(4, 4, 16, 3), "bit depth 16 is invalid for colour type 3"},
      {PngHeader(4, 4, 4, 2), "bit depth 4 is invalid for colour type 2"},
      {PngHeader(0, 4, 8, 2), "PNG size 0x4 is invalid"},
      {PngHeader(0x80000000u, 4, 8, 2), "PNG size 2147483648x4 is invalid"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<ImageExpectation> header =
        PeekImageHeader(c.bytes, Encoding::kPng);
    EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(header.status().message(), HasSubstr(c.message));
  }
  std::string not_ihdr = PngHeader(4, 4, 8, 2);
  not_ihdr[12] = 'X';
  EXPECT_THAT(PeekImageHeader(not_ihdr, Encoding::kPng).status().message(),
              HasSubstr("IHDR"));
}

TEST(ImageCodecTest, PeekSkipsJpegSegmentsToTheFrameHeader) {
  for (uint8_t sof : {0xC0, 0xC2, 0xCF}) {
    absl::StatusOr<ImageExpectation> header =
        PeekImageHeader(JpegHeader(sof, 8, 1920, 1080, 3), Encoding::kJpeg);
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->width, 1920);
    EXPECT_EQ(header->height, 1080);
    EXPECT_EQ(header->channels, 3);
  }
  // Only a DHT-like segment and no frame before the data ends.
  const std::string no_frame = JpegHeader(0xC4, 8, 16, 16, 1);
  absl::StatusOr<ImageExpectation> header =
      PeekImageHeader(no_frame, Encoding::kJpeg);
  EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(header.status().message(), HasSubstr("JPEG data is truncated"));
}

TEST(ImageCodecTest, PeekRejectsMalformedJpegHeaders) {
  const struct {
    std::string bytes;
    std::string message;
  } cases[] = {
      {"\x89PNG", "JPEG start-of-image marker is missing"},
      {JpegHeader(0xC0, 8, 16, 0, 3), "JPEG size 16x0 is not supported"},
      {JpegHeader(0xC0, 8, 16, 16, 0), "JPEG has 0 components"},
      {std::string("\xFF\xD8\x12\x34", 4), "JPEG has no marker at byte 2"},
      {std::string("\xFF\xD8\xFF\xE0\x00\x01", 6), "invalid length 1"},
      {std::string("\xFF\xD8\xFF\xD9", 4), "ends before its frame header"},
      {std::string("\xFF\xD8") + Segment(0xDA, "scan"),
       "scan starts before its frame header"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<ImageExpectation> header =
        PeekImageHeader(c.bytes, Encoding::kJpeg);
    EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(header.status().message(), HasSubstr(c.message));
  }
  absl::StatusOr<ImageExpectation> raw = PeekImageHeader("abc", Encoding::kRaw);
  EXPECT_EQ(raw.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(raw.status().message(), HasSubstr("raw data has no header"));
}

// Every strict prefix of a valid file must fail cleanly, never crash or
// decode a grey-padded image.
TEST(ImageCodecTest, EveryTruncationIsInvalidArgument) {
  for (Encoding encoding : {Encoding::kPng, Encoding::kJpeg}) {
    for (int channels : {1, 3}) {
      const std::string bytes = Encode(Gradient(9, 5, channels), encoding);
      absl::StatusOr<ImageExpectation> full = PeekImageHeader(bytes, encoding);
      ASSERT_TRUE(full.ok()) << full.status();
      for (size_t n = 0; n < bytes.size(); ++n) {
        const std::string_view prefix(bytes.data(), n);
        absl::StatusOr<Image> image = DecodeImage(prefix, encoding, {});
        ASSERT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument)
            << EncodingName(encoding) << " prefix " << n;
        if (n == 0) {
          EXPECT_EQ(image.status().message(), "empty image data");
        } else {
          EXPECT_THAT(std::string(image.status().message()),
                      StartsWith(encoding == Encoding::kPng ? "PNG" : "JPEG"));
        }
        absl::StatusOr<ImageExpectation> header =
            PeekImageHeader(prefix, encoding);
        if (header.ok()) {
          EXPECT_EQ(header->width, 9);
          EXPECT_EQ(header->height, 5);
        } else {
          EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
        }
      }
      absl::StatusOr<Image> whole = DecodeImage(bytes, encoding, {9, 5});
      EXPECT_TRUE(whole.ok()) << whole.status();
    }
  }
}

TEST(ImageCodecTest, RandomGarbageIsInvalidArgument) {
  std::mt19937 rng(42);
  for (int i = 0; i < 500; ++i) {
    std::string bytes(1 + rng() % 300, '\0');
    for (char& b : bytes) b = static_cast<char>(rng());
    for (Encoding encoding : {Encoding::kPng, Encoding::kJpeg}) {
      absl::StatusOr<Image> image = DecodeImage(bytes, encoding, {});
      EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(image.status().message(), HasSubstr("is missing"));
    }
  }
}

// Flipped bytes inside real files: any outcome but a crash is acceptable, and
// a success must still honour the expectation.
TEST(ImageCodecTest, MutatedFilesNeverCrash) {
  std::mt19937 rng(3);
  for (Encoding encoding : {Encoding::kPng, Encoding::kJpeg}) {
    const std::string original = Encode(Gradient(12, 10, 3), encoding);
    for (int i = 0; i < 400; ++i) {
      std::string bytes = original;
      for (int k = 1 + rng() % 4; k > 0; --k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      absl::StatusOr<Image> image = DecodeImage(bytes, encoding, {12, 10, 3});
      EXPECT_THAT(
          image.status().code(),
          AnyOf(absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument,
                absl::StatusCode::kResourceExhausted));
      if (image.ok()) {
        EXPECT_EQ(image->pixels.size(), 12u * 10 * 3);
      }
    }
  }
}

TEST(ImageCodecTest, DimensionsAboveLimitsAreResourceExhausted) {
  const Image image = Gradient(64, 32, 3);
  const DecodeLimits limits{32, 32};
  for (Encoding encoding : {Encoding::kPng, Encoding::kJpeg}) {
    absl::StatusOr<Image> back =
        DecodeImage(Encode(image, encoding), encoding, {}, limits);
    EXPECT_EQ(back.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(back.status().message(),
                HasSubstr("is 64x32, above the 32x32 limit"));
  }
  // Only the header is needed to refuse a huge image.
  absl::StatusOr<Image> huge =
      DecodeImage(PngHeader(100000, 10, 8, 2), Encoding::kPng, {});
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(huge.status().message(),
              HasSubstr("PNG is 100000x10, above the 8192x8192 limit"));
  absl::StatusOr<Image> raw = DecodeImage(std::string(64 * 32, 'x'),
                                          Encoding::kRaw, {64, 32, 1}, limits);
  EXPECT_EQ(raw.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(raw.status().message(),
              HasSubstr("raw image is 64x32, above the 32x32 limit"));
}

TEST(ImageCodecTest, ExpectationMismatchNamesBothSizes) {
  const std::string png = Encode(Gradient(64, 48, 3), Encoding::kPng);
  absl::StatusOr<Image> back = DecodeImage(png, Encoding::kPng, {32, 24, 3});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.status().message(), "PNG is 64x48, expected 32x24");
  back = DecodeImage(png, Encoding::kPng, {0, 24, 0});
  EXPECT_EQ(back.status().message(), "PNG is 64x48, expected *x24");
  const std::string jpeg = Encode(Gradient(64, 48, 3), Encoding::kJpeg);
  back = DecodeImage(jpeg, Encoding::kJpeg, {64, 47, 3});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.status().message(), "JPEG is 64x48, expected 64x47");
}

TEST(ImageCodecTest, ChannelMismatchIsInvalidArgument) {
  const std::string rgb = Encode(Gradient(8, 8, 3), Encoding::kPng);
  absl::StatusOr<Image> back = DecodeImage(rgb, Encoding::kPng, {8, 8, 1});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(),
              HasSubstr("image has 3 channels, expected 1"));
  const std::string gray = Encode(Gradient(8, 8, 1), Encoding::kJpeg);
  back = DecodeImage(gray, Encoding::kJpeg, {8, 8, 3});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(),
              HasSubstr("image has 1 channel, expected 3"));

  std::vector<uchar> rgba;
  ASSERT_TRUE(
      cv::imencode(".png", cv::Mat(4, 4, CV_8UC4, cv::Scalar::all(9)), rgba));
  const std::string rgba_png(rgba.begin(), rgba.end());
  back = DecodeImage(rgba_png, Encoding::kPng, {4, 4, 3});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(),
              HasSubstr("image has 4 channels, expected 3"));
  back = DecodeImage(rgba_png, Encoding::kPng, {});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(),
              HasSubstr("4 channels; only 1 or 3 are supported"));
}

TEST(ImageCodecTest, SixteenBitAndTwelveBitAreRejected) {
  std::vector<uchar> deep;
  ASSERT_TRUE(
      cv::imencode(".png", cv::Mat(4, 4, CV_16UC1, cv::Scalar(999)), deep));
  absl::StatusOr<Image> back = DecodeImage(
      std::string(deep.begin(), deep.end()), Encoding::kPng, {4, 4, 1});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(),
              HasSubstr("PNG has 16-bit samples; only 8-bit is supported"));
  back = DecodeImage(JpegHeader(0xC1, 12, 8, 8, 1), Encoding::kJpeg, {});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(), HasSubstr("JPEG has 12-bit samples"));
}

TEST(ImageCodecTest, StructurallyCompleteButCorruptDataIsInvalidArgument) {
  // A whole chunk list whose IHDR CRC is wrong and which has no IDAT.
  const std::string png = PngHeader(4, 4, 8, 2) + Be32(0) + "IEND" + Be32(0);
  absl::StatusOr<Image> back = DecodeImage(png, Encoding::kPng, {});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(), HasSubstr("PNG data is corrupt"));
  // A scan with no quantisation or Huffman tables.
  const std::string jpeg =
      JpegHeader(0xC0, 8, 8, 8, 1) +
      Segment(0xDA, std::string("\x01\x01\x00\x00\x3F\x00", 6)) + "\x12\x34" +
      std::string("\xFF\xD9", 2);
  back = DecodeImage(jpeg, Encoding::kJpeg, {});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(), HasSubstr("JPEG data is corrupt"));
}

TEST(ImageCodecTest, RawNeedsAllDimensionsAndTheExactSize) {
  absl::StatusOr<Image> back =
      DecodeImage(std::string(5, 'x'), Encoding::kRaw, {2, 2, 1});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.status().message(), "raw data is 5 bytes, expected 2x2x1");
  back = DecodeImage(std::string(4, 'x'), Encoding::kRaw, {2, 2, 0});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(),
              HasSubstr("raw data needs a positive width, height and channel"));
  back = DecodeImage(std::string(4, 'x'), Encoding::kRaw, {-2, -2, 1});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(), HasSubstr("got -2x-2, 1 channel"));
  back = DecodeImage("", Encoding::kRaw, {2, 2, 1});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.status().message(), "empty image data");
}

TEST(ImageCodecTest, EncodeValidatesItsInput) {
  const struct {
    Image image;
    int quality;
    std::string message;
  } cases[] = {
      {Image(), 90, "cannot encode an empty image (0x0)"},
      {Image::Create(4, 4, 2), 90, "with 2 channels; only 1 or 3"},
      {Image{4, 4, 3, std::vector<uint8_t>(47)}, 90,
       "image holds 47 bytes, expected 4x4x3 = 48"},
      {Image::Create(4, 4, 3), 0, "JPEG quality 0 is outside 1..100"},
      {Image::Create(4, 4, 3), 101, "JPEG quality 101 is outside 1..100"},
  };
  for (const auto& c : cases) {
    for (Encoding encoding :
         {Encoding::kRaw, Encoding::kJpeg, Encoding::kPng}) {
      absl::StatusOr<std::string> bytes =
          EncodeImage(c.image, encoding, c.quality);
      EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(bytes.status().message(), HasSubstr(c.message));
    }
  }
}

}  // namespace
}  // namespace tessera
