#include "atelier/engine/image_format.h"

#include <gtest/gtest.h>

#include <string>

namespace atelier {
namespace {

TEST(ImageFormat, ReadsTypeAndSizeFromHeaders) {
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x01\x00\0\0\0\x80", 24);
  EXPECT_EQ(SniffImageMime(png), "image/png");
  EXPECT_EQ(SniffImageSize(png), std::make_pair(256, 128));
  std::string gif("GIF89a\x20\x00\x10\x00", 10);
  EXPECT_EQ(SniffImageMime(gif), "image/gif");
  EXPECT_EQ(SniffImageSize(gif), std::make_pair(32, 16));
  // SOI, an APP0 segment of length 4, then SOF0 with height 48 and width 64.
  std::string jpeg("\xff\xd8\xff\xe0\x00\x04\x00\x00\xff\xc0\x00\x11\x08\x00\x30\x00\x40", 17);
  EXPECT_EQ(SniffImageMime(jpeg), "image/jpeg");
  EXPECT_EQ(SniffImageSize(jpeg), std::make_pair(64, 48));
  EXPECT_EQ(SniffImageMime("RIFF\0\0\0\0WEBPVP8 "), "");  // the literal stops at the first \0
  EXPECT_EQ(SniffImageMime(std::string("RIFF\0\0\0\0WEBP", 12)), "image/webp");
  EXPECT_EQ(SniffImageMime("hello"), "");
  EXPECT_EQ(SniffImageSize("hello"), std::make_pair(0, 0));
  EXPECT_EQ(ImageExtension("image/jpeg"), ".jpg");
  EXPECT_EQ(ImageExtension("text/plain"), ".bin");
}

TEST(ImageFormat, ATruncatedOrLoopingJpegGivesNoSize) {
  std::string zero_len("\xff\xd8\xff\xe0\x00\x00\x00\x00\x00\x00\x00", 11);
  EXPECT_EQ(SniffImageSize(zero_len), std::make_pair(0, 0));
  EXPECT_EQ(SniffImageSize(std::string("\xff\xd8\xff", 3)), std::make_pair(0, 0));
}

}  // namespace
}  // namespace atelier
