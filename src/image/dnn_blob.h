#pragma once
/// Conversion between images and OpenCV DNN blobs for the style networks: the OpenCV twin of
/// tensor_image.h (same layout and value convention: NCHW, RGB, float 0..255).

#include <opencv2/core.hpp>

namespace stylecam {

/// CV_8UC3 BGR → 1×3×H×W CV_32F blob, RGB, 0..255.
cv::Mat image_to_blob(const cv::Mat& bgr8);

/// 1×3×H×W CV_32F blob, RGB 0..255 → CV_8UC3 BGR, clamped and rounded to nearest.
cv::Mat blob_to_image(const cv::Mat& blob);

}  // namespace stylecam
