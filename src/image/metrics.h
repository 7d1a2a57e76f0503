#pragma once
/// Image fidelity metrics between two CV_8UC3 images of the same size (pure functions).

#include <opencv2/core.hpp>

namespace stylecam {

/// Peak signal-to-noise ratio in dB over all channels (peak 255); +infinity for equal images.
double psnr(const cv::Mat& a, const cv::Mat& b);

/// Structural similarity (Wang et al. 2004: 11×11 Gaussian window, σ = 1.5, K1 = 0.01,
/// K2 = 0.03, L = 255), averaged over pixels and channels; 1 for equal images.
double ssim(const cv::Mat& a, const cv::Mat& b);

}  // namespace stylecam
