#pragma once
/// An exact constant colour shift of a transformer net's output, folded into its last layer.

#include "nets/transformer_net.h"

#include <array>

namespace stylecam {

/// Adds `offset_rgb` (R, G, B in the output's 0..255 units) to `net`'s output at every pixel:
/// added to deconv3's bias, where with a pixel shuffle of s each colour owns s² consecutive
/// channels (channel c·s² + k makes colour c). Exact at any size and precision the net runs in,
/// since nothing follows deconv3 but the shuffle. Not under autograd; any device.
void shift_output_colour(TransformerNet& net, const std::array<double, 3>& offset_rgb);

}  // namespace stylecam
