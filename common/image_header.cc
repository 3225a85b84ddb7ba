#include "common/image_header.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace tessera {
namespace {

uint8_t ByteAt(std::string_view b, size_t pos) {
  return static_cast<uint8_t>(b[pos]);
}

// A big-endian read of `n` bytes that fails instead of reading past the end:
// every offset here comes from untrusted data.
bool ReadBe(std::string_view b, size_t pos, size_t n, uint32_t* out) {
  if (pos > b.size() || b.size() - pos < n) return false;
  *out = 0;
  for (size_t i = 0; i < n; ++i) *out = (*out << 8) | ByteAt(b, pos + i);
  return true;
}

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);
constexpr size_t kPngHeaderBytes = 8 + 8 + 13;  // signature, IHDR head, body

}  // namespace

absl::StatusOr<ImageHeader> ParsePngHeader(std::string_view b) {
  if (b.substr(0, kPngSignature.size()) != kPngSignature) {
    return absl::InvalidArgumentError("PNG signature is missing");
  }
  if (b.size() < kPngHeaderBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PNG header is truncated: %d bytes, need %d", b.size(),
                        kPngHeaderBytes));
  }
  uint32_t length = 0, width = 0, height = 0;
  ReadBe(b, 8, 4, &length);
  if (length != 13 || b.substr(12, 4) != "IHDR") {
    return absl::InvalidArgumentError(
        "PNG does not start with a 13-byte IHDR chunk");
  }
  ReadBe(b, 16, 4, &width);
  ReadBe(b, 20, 4, &height);
  const int depth = ByteAt(b, 24);
  const int colour_type = ByteAt(b, 25);
  constexpr uint32_t kMax = std::numeric_limits<int32_t>::max();
  if (width == 0 || height == 0 || width > kMax || height > kMax) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PNG size %ux%u is invalid", width, height));
  }
  // Channels after expansion (a palette becomes RGB) and the allowed bit
  // depths as a bit mask, per colour type (PNG specification, table 11.1).
  struct ColourType {
    int type;
    int channels;
    int depth_mask;
  };
  constexpr ColourType kColourTypes[] = {
      {0, 1, 1 << 1 | 1 << 2 | 1 << 4 | 1 << 8 | 1 << 16},
      {2, 3, 1 << 8 | 1 << 16},
      {3, 3, 1 << 1 | 1 << 2 | 1 << 4 | 1 << 8},
      {4, 2, 1 << 8 | 1 << 16},
      {6, 4, 1 << 8 | 1 << 16}};
  const ColourType* colour = nullptr;
  for (const ColourType& c : kColourTypes) {
    if (c.type == colour_type) colour = &c;
  }
  if (colour == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PNG colour type %d is invalid", colour_type));
  }
  if (depth > 16 || (colour->depth_mask & (1 << depth)) == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PNG bit depth %d is invalid for colour type %d", depth, colour_type));
  }
  return ImageHeader{static_cast<int>(width), static_cast<int>(height),
                     colour->channels, depth};
}

// Walks the chunk list to IEND, so that a truncated file fails here with a
// clear message rather than somewhere inside libpng.
absl::Status CheckPngComplete(std::string_view b) {
  size_t pos = kPngSignature.size();
  while (true) {
    uint32_t length = 0;
    // A chunk is its length, type, data and CRC.
    if (!ReadBe(b, pos, 4, &length) || b.size() - pos < size_t{12} + length) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "PNG data is truncated at byte %d (no IEND chunk)", b.size()));
    }
    if (length > uint32_t{std::numeric_limits<int32_t>::max()}) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "PNG chunk at byte %d has invalid length %u", pos, length));
    }
    const bool end = b.substr(pos + 4, 4) == "IEND";
    pos += size_t{12} + length;
    if (end) return absl::OkStatus();
  }
}

namespace {

// SOF0..SOF15, less DHT (C4), JPG (C8) and DAC (CC) which share the range.
bool IsStartOfFrame(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
         marker != 0xCC;
}

absl::StatusOr<ImageHeader> ParseJpegFrame(std::string_view payload) {
  // Precision, height, width, component count, then 3 bytes per component.
  if (payload.size() < 6) {
    return absl::InvalidArgumentError("JPEG frame header is too short");
  }
  uint32_t height = 0, width = 0;
  ReadBe(payload, 1, 2, &height);
  ReadBe(payload, 3, 2, &width);
  const int components = ByteAt(payload, 5);
  if (payload.size() < 6 + 3 * static_cast<size_t>(components)) {
    return absl::InvalidArgumentError("JPEG frame header is too short");
  }
  if (width == 0 || height == 0) {
    // Height 0 defers it to a DNL marker, which libjpeg does not support.
    return absl::InvalidArgumentError(
        absl::StrFormat("JPEG size %ux%u is not supported", width, height));
  }
  if (components < 1 || components > 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("JPEG has %d components, expected 1 to 4", components));
  }
  return ImageHeader{static_cast<int>(width), static_cast<int>(height),
                     components, ByteAt(payload, 0)};
}

// Skips entropy-coded data from `pos` to the next real marker and returns its
// offset, or npos when the data ends first. In a scan 0xFF is followed by a
// stuffed 0x00, a restart marker or a fill byte; anything else is a marker.
size_t SkipEntropyData(std::string_view b, size_t pos) {
  while (true) {
    const size_t ff = b.find('\xFF', pos);
    if (ff == std::string_view::npos || ff + 1 >= b.size()) {
      return std::string_view::npos;
    }
    const uint8_t next = ByteAt(b, ff + 1);
    if (next == 0xFF) {
      pos = ff + 1;
    } else if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
      pos = ff + 2;
    } else {
      return ff;
    }
  }
}

// Walks JPEG marker segments from SOI to the frame header. With `to_end` it
// goes on through the scans to EOI: libjpeg only warns on a truncated file
// and pads it with grey, so truncation has to be caught here.
absl::StatusOr<ImageHeader> WalkJpeg(std::string_view b, bool to_end) {
  if (b.size() < 2 || ByteAt(b, 0) != 0xFF || ByteAt(b, 1) != 0xD8) {
    return absl::InvalidArgumentError("JPEG start-of-image marker is missing");
  }
  const auto truncated = [&b] {
    return absl::InvalidArgumentError(
        absl::StrFormat("JPEG data is truncated at byte %d", b.size()));
  };
  std::optional<ImageHeader> frame;
  size_t pos = 2;
  while (true) {
    if (pos >= b.size()) return truncated();
    if (ByteAt(b, pos) != 0xFF) {
      return absl::InvalidArgumentError(
          absl::StrFormat("JPEG has no marker at byte %d", pos));
    }
    while (pos < b.size() && ByteAt(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return truncated();
    const uint8_t marker = ByteAt(b, pos++);
    if (marker == 0xD9) {  // EOI
      if (!frame) {
        return absl::InvalidArgumentError("JPEG ends before its frame header");
      }
      return *frame;
    }
    if (marker == 0x00 || marker == 0xD8) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "JPEG has an unexpected marker 0x%02X at byte %d", marker, pos - 1));
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    // Every other marker starts a segment whose length counts itself.
    uint32_t length = 0;
    if (!ReadBe(b, pos, 2, &length)) return truncated();
    if (length < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "JPEG segment at byte %d has invalid length %u", pos, length));
    }
    if (b.size() - pos < length) return truncated();
    if (IsStartOfFrame(marker)) {
      if (frame) {
        return absl::InvalidArgumentError("JPEG has two frame headers");
      }
      ASSIGN_OR_RETURN(frame, ParseJpegFrame(b.substr(pos + 2, length - 2)));
      if (!to_end) return *frame;
    } else if (marker == 0xDA) {  // SOS
      if (!frame) {
        return absl::InvalidArgumentError(
            "JPEG scan starts before its frame header");
      }
      pos = SkipEntropyData(b, pos + length);
      if (pos == std::string_view::npos) return truncated();
      continue;
    }
    pos += length;
  }
}

}  // namespace

absl::StatusOr<ImageHeader> ParseJpegHeader(std::string_view bytes) {
  return WalkJpeg(bytes, /*to_end=*/false);
}

absl::Status CheckJpegComplete(std::string_view bytes) {
  return WalkJpeg(bytes, /*to_end=*/true).status();
}

}  // namespace tessera
