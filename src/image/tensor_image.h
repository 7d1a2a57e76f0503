#pragma once
/// The one conversion between OpenCV images and LibTorch tensors.
///
/// Images are `cv::Mat` CV_8UC3 in OpenCV's BGR order (any stride: ROIs are fine).
/// Tensors are float, RGB, 0..255 (unless a scale says otherwise), NCHW with N = 1 (contiguous,
/// or channels-last where the name says so), on the CPU, owning their memory (never aliasing
/// the Mat).

#include <torch/torch.h>
#include <opencv2/core.hpp>

namespace stylecam {

/// CV_8UC3 BGR (any stride) → 1×3×H×W float32 RGB 0..255, contiguous, owning.
torch::Tensor image_to_tensor(const cv::Mat& bgr8);

/// CV_8UC3 BGR (any stride) → 1×3×H×W float32 RGB × `scale` in channels-last memory format
/// (NHWC: the pixels' own interleaved order, so two passes over them), owning. For networks that
/// run channels-last.
torch::Tensor image_to_tensor_channels_last(const cv::Mat& bgr8, float scale = 1.0f);

/// 1×3×H×W or 3×H×W tensor (any dtype, device or strides) holding RGB 0..255 / `scale` (each
/// value is multiplied by `scale` first) → CV_8UC3 BGR: clamped to 0..255 and rounded to nearest
/// (half to even). A channels-last tensor is converted in its interleaved order.
cv::Mat tensor_to_image(const torch::Tensor& rgb, float scale = 1.0f);

}  // namespace stylecam
