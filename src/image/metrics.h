#pragma once
/// Image fidelity metrics between two CV_8UC3 BGR images (pure functions): an output against a
/// reference (e.g. a student's output against its teacher's). psnr, ssim and lowpass_psnr need
/// images of the same size; detail_ratio does not.

#include <opencv2/core.hpp>

namespace stylecam {

/// Peak signal-to-noise ratio in dB over all channels (peak 255); +infinity for equal images.
double psnr(const cv::Mat& a, const cv::Mat& b);

/// Structural similarity (Wang et al. 2004: 11×11 Gaussian window, σ = 1.5, K1 = 0.01,
/// K2 = 0.03, L = 255), averaged over pixels and channels; 1 for equal images.
double ssim(const cv::Mat& a, const cv::Mat& b);

/// Mean absolute Laplacian of `output`'s grey image divided by `reference`'s: how much fine
/// detail (edges, strokes) the output has relative to the reference; 1 for equal images, < 1
/// for a blur, > 1 for added noise. Grey from cv::COLOR_BGR2GRAY, as float 0..255; Laplacian
/// with OpenCV's 3×3 kernel [0 1 0; 1 −4 1; 0 1 0] (cv::Laplacian, ksize 1), reflected borders.
/// A flat reference gives +infinity (1 when the output is flat too).
double detail_ratio(const cv::Mat& output, const cv::Mat& reference);

/// PSNR (as `psnr`, on float images) after blurring both with a Gaussian of σ = `sigma` px
/// (kernel 2·⌈4σ⌉+1, reflected borders): colours and layout without stroke phase.
/// +infinity for equal images.
double lowpass_psnr(const cv::Mat& a, const cv::Mat& b, double sigma = 3.0);

}  // namespace stylecam
