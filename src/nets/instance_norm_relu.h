#pragma once
/// Instance normalization with its affine step and an optional ReLU, in one kernel: what the
/// transformer nets do after every convolution. LibTorch 1.13 computes it on the CPU as a batch
/// norm over a reshaped copy plus a separate ReLU pass; at the default students' full-resolution
/// maps (16 channels at 320×240) that cost about as much as the convolution before it.

#include <torch/torch.h>

namespace stylecam {

/// True when `instance_norm_relu` takes the fused path for `x`: inference (no autograd), a
/// contiguous (NCHW) or channels-last float32 or bf16 (a convolution's output under bf16
/// autocast) CPU tensor of 4 dimensions. Other inputs — training, CUDA, other strides — go
/// through LibTorch's own operators.
bool instance_norm_fusable(const torch::Tensor& x);

/// `relu(instance_norm(x, weight, bias, eps))` (or without the ReLU): each N·C plane normalized by
/// its own mean and biased variance, then scaled by weight[c] and shifted by bias[c]. `x`
/// N×C×H×W, `weight` and `bias` C-element float32; the result is a new tensor of x's shape and
/// dtype (bf16 inputs are computed in float32 and rounded once, to nearest even, as LibTorch's
/// bf16 kernel does).
/// Fused inputs (see above) run one pass for the means, one for the variances and one for the
/// output, parallel over planes (NCHW) or pixel ranges (channels-last) with LibTorch's intra-op
/// threads, the output in x's memory format; others are computed with torch::instance_norm. Same
/// values as LibTorch up to float rounding.
torch::Tensor instance_norm_relu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, double eps, bool relu);

/// Per-plane statistics of an N×C×H×W map: `mean` and biased `variance`, each N×C float32 on the
/// map's device.
struct InstanceStatistics {
    torch::Tensor mean, variance;
};

/// The statistics `instance_norm_relu` normalizes `x` by: for fused inputs computed by the same
/// passes (so that normalizing by them gives the same values), otherwise by LibTorch in float32.
InstanceStatistics instance_statistics(const torch::Tensor& x);

/// `instance_norm_relu` with given `statistics` (N×C, e.g. carried over from earlier video frames:
/// nets/norm_timeline.h) instead of x's own: (x − mean) / sqrt(variance + eps) · weight + bias,
/// then the optional ReLU. Fused inputs take the fused kernels; the result has x's shape, dtype
/// and memory format. Throws `Error` for statistics of another shape.
torch::Tensor instance_norm_relu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, double eps, bool relu,
                                 const InstanceStatistics& statistics);

}  // namespace stylecam
