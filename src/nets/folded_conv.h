#pragma once
/// A stride-1 k×k convolution with few output channels computed as a smaller convolution on the
/// input folded s×s into channels ("space to depth"): the same sums in another order, for
/// layers that oneDNN runs poorly as they are (MicroAST's last 9×9 16→3 conv at full size: 3
/// output channels; folded by 4 it becomes a 3×3 256→48 conv at a quarter of the size, about 3×
/// faster in bf16 channels-last on the CPU, see BM_MicroAst_LayerKind).
///
/// Folding: channel (q·s + p)·C + c of the folded input at (I, J) is input channel c at
/// (s·I + q, s·J + p); output channel (r·s + t)·O + o at (I, J) is output o at (s·I + r, s·J + t).
/// The folded kernel is (k − 1)/s + 1 wide (s must divide k − 1); taps that fall outside the
/// k×k kernel are 0.

#include <torch/torch.h>

namespace stylecam {

struct FoldedConv {
    torch::Tensor weight;  ///< (s²·O)×(s²·C)×U×U, the original's dtype, channels-last
    torch::Tensor bias;    ///< s²·O (the original bias repeated)
    int64_t factor = 0;    ///< s; 0: not folded
    int64_t kernel = 0;    ///< the original k
    int64_t out_channels = 0;

    bool defined() const { return factor > 0; }
};

/// Folds an O×C×k×k weight and its bias (any dtype; computed exactly: the folded weight holds
/// the original values). Throws `Error` for a non-square kernel, a factor < 2 or one that does
/// not divide k − 1.
FoldedConv fold_conv(const torch::Tensor& weight, const torch::Tensor& bias, int64_t factor);

/// conv2d(x, weight, bias) with no padding and stride 1, through the folded form. `x`:
/// N×C×H×W, any layout (channels-last avoids a copy), H and W multiples of the factor and at
/// least k. Returns N×O×(H−k+1)×(W−k+1), channels-last, x's dtype.
torch::Tensor folded_conv2d(const torch::Tensor& x, const FoldedConv& conv);

}  // namespace stylecam
