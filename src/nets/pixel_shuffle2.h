#pragma once
/// Pixel unshuffle and shuffle by 2: the first and last steps of the default students
/// (`-s2` architectures), which move every pixel of the frame. LibTorch 1.13 does each as a
/// six-dimensional strided copy, about 1 ms per 640×480 frame on the development CPU; these
/// row-wise copies are several times faster.

#include <torch/torch.h>

namespace stylecam {

/// `torch::pixel_unshuffle(x, 2)`: N×C×H×W → N×4C×(H/2)×(W/2), output channel 4c + 2i + j
/// holding input pixels (2y + i, 2x + j) of channel c; H and W even. Contiguous CPU tensors of
/// 4- or 2-byte elements (float32, bf16) take the row-wise path, parallel over output rows with
/// LibTorch's intra-op threads; others use LibTorch's operator. Values are copied bit for bit.
torch::Tensor pixel_unshuffle2(const torch::Tensor& x);

/// `torch::pixel_shuffle(x, 2)`, the inverse: N×4C×H×W → N×C×2H×2W; same paths as above.
torch::Tensor pixel_shuffle2(const torch::Tensor& x);

}  // namespace stylecam
