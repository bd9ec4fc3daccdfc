#include "png_writer.h"

#include <zlib.h>

#include <cstring>

namespace atelier::offline {
namespace {

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void PutChunk(std::string& out, const char type[4], const unsigned char* data, size_t len) {
  PutU32(out, static_cast<uint32_t>(len));
  size_t start = out.size();
  out.append(type, 4);
  if (len > 0) out.append(reinterpret_cast<const char*>(data), len);
  // The CRC covers the chunk type and data, not the length.
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(len + 4));
  PutU32(out, static_cast<uint32_t>(crc));
}

}  // namespace

Result<std::string> EncodePng(const RgbImage& image, int revision) {
  const size_t row = static_cast<size_t>(image.width) * 3;
  std::vector<unsigned char> raw(static_cast<size_t>(image.height) * (row + 1));
  for (int y = 0; y < image.height; ++y) {
    unsigned char* dst = &raw[static_cast<size_t>(y) * (row + 1)];
    dst[0] = 0;  // filter type None
    std::memcpy(dst + 1, &image.pixels[static_cast<size_t>(y) * row], row);
  }

  uLongf packed_len = compressBound(static_cast<uLong>(raw.size()));
  std::vector<unsigned char> packed(packed_len);
  // Level 1: the images are flat colour and compress well even at the fastest level, and the
  // provider must stay fast for large test batches.
  int rc = compress2(packed.data(), &packed_len, raw.data(), static_cast<uLong>(raw.size()), 1);
  if (rc != Z_OK)
    return Err(Internal("offline provider: zlib compress2 failed (" + std::to_string(rc) + ")"));

  std::string out;
  out.reserve(packed_len + 64);
  static constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  out.append(reinterpret_cast<const char*>(kSignature), 8);

  unsigned char ihdr[13];
  auto be32 = [](unsigned char* p, uint32_t v) {
    p[0] = static_cast<unsigned char>(v >> 24);
    p[1] = static_cast<unsigned char>(v >> 16);
    p[2] = static_cast<unsigned char>(v >> 8);
    p[3] = static_cast<unsigned char>(v);
  };
  be32(ihdr, static_cast<uint32_t>(image.width));
  be32(ihdr + 4, static_cast<uint32_t>(image.height));
  ihdr[8] = 8;   // bit depth
  ihdr[9] = 2;   // colour type: truecolour RGB
  ihdr[10] = 0;  // compression: deflate
  ihdr[11] = 0;  // filter method
  ihdr[12] = 0;  // no interlace
  PutChunk(out, "IHDR", ihdr, sizeof(ihdr));
  if (revision > 0) {
    std::string text = std::string("atelier-revision") + '\0' + std::to_string(revision);
    PutChunk(out, "tEXt", reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  PutChunk(out, "IDAT", packed.data(), packed_len);
  PutChunk(out, "IEND", nullptr, 0);
  return out;
}

}  // namespace atelier::offline
