#pragma once
/// Pure per-pixel colour operations on 8-bit BGR images (CV_8UC3, same size for both inputs).

#include <opencv2/core.hpp>

namespace stylecam {

/// Luminance from `stylized`, chroma from `original` (YCrCb swap): the stylized texture in the
/// original's colours.
cv::Mat preserve_colors(const cv::Mat& stylized, const cv::Mat& original);

/// strength·stylized + (1 − strength)·original, strength clamped to 0..1.
cv::Mat blend(const cv::Mat& stylized, const cv::Mat& original, double strength);

}  // namespace stylecam
