#pragma once
/// Warm start of a transformer net from a trained one of another architecture (e.g. a student
/// with separable residual blocks or smaller outer kernels from the current default student).

#include "nets/transformer_net.h"

#include <string>

namespace stylecam {

/// What `transfer_weights` did, for the log.
struct WeightTransfer {
    int copied = 0;   ///< tensors of equal name and shape, copied
    int cropped = 0;  ///< convolution kernels of another odd size, centre-cropped/zero-padded
    int widened = 0;  ///< tensors of a wider net that took the source's as their leading slice
    int fresh = 0;    ///< tensors left at their initialisation
    int identity_blocks = 0;  ///< residual blocks started as the identity
    std::string summary() const;
};

/// Copies into `to` every parameter of `from` with the same name and shape. A convolution
/// weight whose kernel size alone differs (both odd) takes the source's kernel centred, cropped
/// or zero-padded. A residual block not copied entirely starts as the identity (its last instance
/// norm's scale and shift set to 0), so that `to` computes what `from` computes without that
/// block. A wider `to` (more channels, same kernel sizes): each tensor whose every dimension is
/// at least the source's takes the source as its leading slice; a weight's inputs from the new
/// channels are set to 0 (no old channel reads a new one), while the new channels' own weights
/// keep their initialisation, so that the wider net computes exactly what `from` computes and
/// its new channels still receive gradients. Other tensors keep their values. Both nets on the
/// same device; not under autograd.
WeightTransfer transfer_weights(TransformerNet& from, TransformerNet& to);

}  // namespace stylecam
