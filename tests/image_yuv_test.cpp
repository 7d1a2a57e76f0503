/// BT.601 limited-range conversion: known colours, plane layout, odd sizes, YUYV packing.

#include "image/yuv.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

cv::Mat solid(int rows, int cols, cv::Scalar bgr) { return cv::Mat(rows, cols, CV_8UC3, bgr); }

TEST(Yuv, KnownColoursGiveTheStandardValues) {
    // ITU-R BT.601, 8-bit limited range, computed in floating point and rounded: black
    // 16/128/128, white 235/128/128, red 81.48/90.2/240 → 81/90/240, green 144.55/53.8/34.2 →
    // 145/54/34, blue 40.97/240/109.8 → 41/240/110.
    const struct {
        uint8_t b, g, r, y, u, v;
    } cases[] = {{0, 0, 0, 16, 128, 128},
                 {255, 255, 255, 235, 128, 128},
                 {0, 0, 255, 81, 90, 240},
                 {0, 255, 0, 145, 54, 34},
                 {255, 0, 0, 41, 240, 110}};
    for (const auto& c : cases) {
        const YuvPixel p = bgr_to_yuv(c.b, c.g, c.r);
        EXPECT_EQ(int(p.y), int(c.y)) << int(c.b) << "," << int(c.g) << "," << int(c.r);
        EXPECT_EQ(int(p.u), int(c.u)) << int(c.b) << "," << int(c.g) << "," << int(c.r);
        EXPECT_EQ(int(p.v), int(c.v)) << int(c.b) << "," << int(c.g) << "," << int(c.r);
    }
}

TEST(Yuv, I420PlanesOfAnEvenImage) {
    // Left half red, right half blue, 4×2: Y per pixel, one chroma sample per 2×2 block.
    cv::Mat image = solid(2, 4, {0, 0, 255});
    image(cv::Rect(2, 0, 2, 2)).setTo(cv::Scalar(255, 0, 0));
    std::vector<uint8_t> out;
    bgr_to_i420(image, out);
    ASSERT_EQ(out.size(), i420_bytes(image.size()));
    ASSERT_EQ(out.size(), 8u + 2u + 2u);
    const std::vector<uint8_t> expected = {81,  81,  41, 41, 81, 81, 41, 41,  // Y
                                           90,  240,                          // Cb
                                           240, 110};                         // Cr
    EXPECT_EQ(out, expected);
}

TEST(Yuv, I420OfAnOddImageRoundsTheChromaPlanesUp) {
    cv::Mat image = solid(3, 5, {0, 0, 255});
    image.col(4).setTo(cv::Scalar(255, 0, 0));  // the lone last column is blue
    std::vector<uint8_t> out;
    bgr_to_i420(image, out);
    EXPECT_EQ(i420_bytes(image.size()), 15u + 2u * 3u * 2u);
    ASSERT_EQ(out.size(), i420_bytes(image.size()));
    const uint8_t* u = out.data() + 15;
    const uint8_t* v = u + 6;
    for (int row = 0; row < 2; ++row) {
        EXPECT_EQ(int(u[row * 3 + 0]), 90);   // red blocks
        EXPECT_EQ(int(u[row * 3 + 2]), 240);  // the edge block holds blue pixels only
        EXPECT_EQ(int(v[row * 3 + 2]), 110);
    }
}

TEST(Yuv, YuyvPacksPairsWithPaddedRows) {
    cv::Mat image = solid(2, 4, {0, 0, 0});
    image.at<cv::Vec3b>(0, 1) = {255, 255, 255};  // a white pixel beside a black one
    std::vector<uint8_t> out;
    bgr_to_yuyv(image, 10, out);  // 8 bytes of pixels + 2 of padding per row
    ASSERT_EQ(out.size(), 20u);
    // The pair (black, white): Y 16, 235; chroma of their mean grey (128, 128) is neutral.
    const std::vector<uint8_t> first_row = {16, 128, 235, 128, 16, 128, 16, 128, 0, 0};
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 10), first_row);
    EXPECT_THROW(bgr_to_yuyv(solid(2, 3, {0, 0, 0}), 6, out), std::exception);
    EXPECT_THROW(bgr_to_yuyv(image, 6, out), std::exception);
}

}  // namespace
}  // namespace stylecam
