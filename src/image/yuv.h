#pragma once
/// BGR → Y'CbCr for video outputs (y4m pipes, V4L2 devices): ITU-R BT.601 with limited ("video")
/// range, Y 16..235 and Cb/Cr 16..240, the convention ffmpeg, browsers and webcams assume for
/// SD-sized uncompressed YUV. Pure functions on CV_8UC3 BGR images; integer arithmetic, so the
/// same pixel always gives the same bytes.

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace stylecam {

/// One pixel's Y, Cb, Cr (BT.601, limited range), rounded.
struct YuvPixel {
    uint8_t y, u, v;
};
YuvPixel bgr_to_yuv(uint8_t b, uint8_t g, uint8_t r);

/// Planar 4:2:0 (I420, y4m's "C420jpeg"): the Y plane (cols × rows), then Cb, then Cr, each
/// ceil(cols/2) × ceil(rows/2). A chroma sample is the mean of its 2×2 block (centred siting);
/// at an odd right or bottom edge, of the pixels that exist. `out` is resized to fit.
void bgr_to_i420(const cv::Mat& bgr, std::vector<uint8_t>& out);

/// Size in bytes of `bgr_to_i420`'s output for an image of `size`.
size_t i420_bytes(cv::Size size);

/// Packed 4:2:2 YUYV (V4L2_PIX_FMT_YUYV): per row, Y0 Cb Y1 Cr for each pixel pair, the chroma
/// the mean of the pair; rows `bytes_per_line` apart (≥ 2·cols; the padding is zero). `cols`
/// must be even. `out` is resized to rows × bytes_per_line.
void bgr_to_yuyv(const cv::Mat& bgr, size_t bytes_per_line, std::vector<uint8_t>& out);

}  // namespace stylecam
