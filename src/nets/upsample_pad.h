#pragma once
/// Bilinear ×2 upsampling followed by reflection padding, in one pass over the output: what
/// MicroAST's decoder does before each of its upsampling convolutions. LibTorch 1.13 takes three
/// passes for it on the CPU (float32 conversion, upsampling, padding copy; its bf16 bilinear
/// kernel is slower still), each over a map four times the input's size.

#include <torch/torch.h>

namespace stylecam {

/// `torch::reflection_pad2d(torch::upsample_bilinear2d(x, {2H, 2W}, align_corners = false),
/// pad)`: N×C×H×W → N×C×(2H + 2·pad)×(2W + 2·pad), same dtype and memory format as `x`, with
/// 0 ≤ pad < 2·min(H, W).
///
/// Channels-last float32 or bfloat16 CPU tensors take the fused path: arithmetic in float32,
/// bf16 rounded once (to nearest even) at the end, parallel over output rows with LibTorch's
/// intra-op threads. Any other input (channels-first, CUDA, other dtypes) is computed with
/// LibTorch's own operators, bf16 through float32.
torch::Tensor upsample2_bilinear_padded(const torch::Tensor& x, int64_t pad);

}  // namespace stylecam
