#include "nets/output_colour_shift.h"

#include "core/error.h"

namespace stylecam {

void shift_output_colour(TransformerNet& net, const std::array<double, 3>& offset_rgb) {
    torch::NoGradGuard no_grad;
    const auto parameters = net->named_parameters();
    const auto* bias = parameters.find("deconv3.conv2d.bias");
    STYLECAM_CHECK(bias != nullptr, "transformer net without deconv3.conv2d.bias");
    const int64_t s = net->options().pixel_shuffle();
    STYLECAM_CHECK(bias->numel() == 3 * s * s, "deconv3 has ", bias->numel(),
                   " output channels; expected 3·", s, "²");
    auto offsets = torch::tensor({offset_rgb[0], offset_rgb[1], offset_rgb[2]},
                                 torch::dtype(bias->scalar_type()).device(bias->device()));
    bias->add_(offsets.repeat_interleave(s * s));
}

}  // namespace stylecam
