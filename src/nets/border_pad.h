#pragma once
/// Reflection and replication padding as a few bulk copies. LibTorch 1.13's CPU kernels for
/// `reflection_pad2d`/`replication_pad2d` compute an index per element and ran at about
/// 2 GB/s: with a dozen pads per frame they took a fifth of the transformer net's time. Here
/// the interior is one strided copy (vectorized, parallel) and the border rows and columns are
/// copied from it, so a pad costs about one memcpy of the map. Same values bit for bit.

#include <torch/torch.h>

namespace stylecam {

/// `torch::reflection_pad2d(x, {pad, pad, pad, pad})`: N×C×H×W → N×C×(H + 2·pad)×(W + 2·pad),
/// any dtype or device, same memory format as `x`; 0 ≤ pad < min(H, W). Not differentiable
/// through autograd: for inference (callers use LibTorch's pad when grad mode is on).
torch::Tensor reflection_pad(const torch::Tensor& x, int64_t pad);

/// `torch::replication_pad2d(x, {pad, pad, pad, pad})`, the same way; 0 ≤ pad, H, W ≥ 1.
torch::Tensor replication_pad(const torch::Tensor& x, int64_t pad);

}  // namespace stylecam
