#include "image/yuv.h"

#include "core/error.h"

#include <algorithm>

namespace stylecam {
namespace {

// BT.601 limited range: Y = 16 + 219/255·(0.299 R + 0.587 G + 0.114 B), Cb and Cr = 128 +
// 224/255·(B − Y′)/1.772 and (R − Y′)/1.402; the coefficients ×65536, rounded (the chroma rows
// summing to 0, so that grey stays neutral), the result rounded to nearest.
inline int fixed(int sum) { return (sum + 32768) >> 16; }
inline int luma(int b, int g, int r) { return 16 + fixed(16829 * r + 33039 * g + 6416 * b); }
inline int chroma_u(int b, int g, int r) { return 128 + fixed(-9714 * r - 19070 * g + 28784 * b); }
inline int chroma_v(int b, int g, int r) { return 128 + fixed(28784 * r - 24103 * g - 4681 * b); }

void check_bgr(const cv::Mat& bgr, const char* what) {
    STYLECAM_CHECK(bgr.type() == CV_8UC3 && !bgr.empty(), what,
                   ": expected a non-empty CV_8UC3 BGR image");
}

}  // namespace

YuvPixel bgr_to_yuv(uint8_t b, uint8_t g, uint8_t r) {
    return {static_cast<uint8_t>(luma(b, g, r)), static_cast<uint8_t>(chroma_u(b, g, r)),
            static_cast<uint8_t>(chroma_v(b, g, r))};
}

size_t i420_bytes(cv::Size size) {
    const size_t chroma =
        static_cast<size_t>((size.width + 1) / 2) * static_cast<size_t>((size.height + 1) / 2);
    return static_cast<size_t>(size.area()) + 2 * chroma;
}

void bgr_to_i420(const cv::Mat& bgr, std::vector<uint8_t>& out) {
    check_bgr(bgr, "bgr_to_i420");
    const int cols = bgr.cols, rows = bgr.rows;
    const int chroma_cols = (cols + 1) / 2, chroma_rows = (rows + 1) / 2;
    out.resize(i420_bytes(bgr.size()));
    uint8_t* y_plane = out.data();
    uint8_t* u_plane = y_plane + static_cast<size_t>(cols) * rows;
    uint8_t* v_plane = u_plane + static_cast<size_t>(chroma_cols) * chroma_rows;
    for (int row = 0; row < rows; ++row) {
        const uint8_t* pixel = bgr.ptr<uint8_t>(row);
        uint8_t* y = y_plane + static_cast<size_t>(row) * cols;
        for (int col = 0; col < cols; ++col, pixel += 3)
            y[col] = luma(pixel[0], pixel[1], pixel[2]);
    }
    for (int chroma_row = 0; chroma_row < chroma_rows; ++chroma_row) {
        const int row0 = 2 * chroma_row, row1 = std::min(row0 + 1, rows - 1);
        const uint8_t* top = bgr.ptr<uint8_t>(row0);
        const uint8_t* bottom = bgr.ptr<uint8_t>(row1);
        uint8_t* u = u_plane + static_cast<size_t>(chroma_row) * chroma_cols;
        uint8_t* v = v_plane + static_cast<size_t>(chroma_row) * chroma_cols;
        for (int chroma_col = 0; chroma_col < chroma_cols; ++chroma_col) {
            const int col0 = 2 * chroma_col, col1 = std::min(col0 + 1, cols - 1);
            const int count = (row1 != row0 ? 2 : 1) * (col1 != col0 ? 2 : 1);
            int b = 0, g = 0, r = 0;
            const auto add = [&](const uint8_t* line, int col) {
                b += line[3 * col];
                g += line[3 * col + 1];
                r += line[3 * col + 2];
            };
            add(top, col0);
            if (col1 != col0) add(top, col1);
            if (row1 != row0) {
                add(bottom, col0);
                if (col1 != col0) add(bottom, col1);
            }
            b = (b + count / 2) / count;
            g = (g + count / 2) / count;
            r = (r + count / 2) / count;
            u[chroma_col] = static_cast<uint8_t>(chroma_u(b, g, r));
            v[chroma_col] = static_cast<uint8_t>(chroma_v(b, g, r));
        }
    }
}

void bgr_to_yuyv(const cv::Mat& bgr, size_t bytes_per_line, std::vector<uint8_t>& out) {
    check_bgr(bgr, "bgr_to_yuyv");
    STYLECAM_CHECK(bgr.cols % 2 == 0, "bgr_to_yuyv: the width must be even, got ", bgr.cols);
    STYLECAM_CHECK(bytes_per_line >= 2 * static_cast<size_t>(bgr.cols),
                   "bgr_to_yuyv: bytes_per_line ", bytes_per_line, " is below 2 × width");
    out.assign(bytes_per_line * static_cast<size_t>(bgr.rows), 0);
    for (int row = 0; row < bgr.rows; ++row) {
        const uint8_t* pixel = bgr.ptr<uint8_t>(row);
        uint8_t* line = out.data() + bytes_per_line * static_cast<size_t>(row);
        for (int col = 0; col < bgr.cols; col += 2, pixel += 6, line += 4) {
            const int b = (pixel[0] + pixel[3] + 1) / 2, g = (pixel[1] + pixel[4] + 1) / 2,
                      r = (pixel[2] + pixel[5] + 1) / 2;
            line[0] = static_cast<uint8_t>(luma(pixel[0], pixel[1], pixel[2]));
            line[1] = static_cast<uint8_t>(chroma_u(b, g, r));
            line[2] = static_cast<uint8_t>(luma(pixel[3], pixel[4], pixel[5]));
            line[3] = static_cast<uint8_t>(chroma_v(b, g, r));
        }
    }
}

}  // namespace stylecam
