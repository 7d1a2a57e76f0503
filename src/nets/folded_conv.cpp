#include "nets/folded_conv.h"

#include "core/error.h"

namespace stylecam {

FoldedConv fold_conv(const torch::Tensor& weight, const torch::Tensor& bias, int64_t factor) {
    STYLECAM_CHECK(weight.dim() == 4 && weight.size(2) == weight.size(3),
                   "fold_conv: expected an O×C×k×k weight, got ", weight.sizes());
    STYLECAM_CHECK(factor >= 2 && (weight.size(2) - 1) % factor == 0,
                   "fold_conv: the factor must be at least 2 and divide k − 1, got ", factor,
                   " for k = ", weight.size(2));
    torch::NoGradGuard no_grad;
    const int64_t s = factor, out = weight.size(0), in = weight.size(1), k = weight.size(2);
    const int64_t folded_k = (k - 1) / s + 1;  // (k − 1) % s == 0: the folded taps tile exactly
    // [r][t][o][q][p][c][u][v] = weight[o][c][s·u + q − r][s·v + p − t]
    auto folded = torch::zeros({s, s, out, s, s, in, folded_k, folded_k},
                               weight.options().memory_format(torch::MemoryFormat::Contiguous));
    const auto source = weight.contiguous();
    for (int64_t r = 0; r < s; ++r)
        for (int64_t t = 0; t < s; ++t)
            for (int64_t q = 0; q < s; ++q)
                for (int64_t p = 0; p < s; ++p)
                    for (int64_t u = 0; u < folded_k; ++u)
                        for (int64_t v = 0; v < folded_k; ++v) {
                            const int64_t a = s * u + q - r, b = s * v + p - t;
                            if (a < 0 || a >= k || b < 0 || b >= k) continue;
                            folded.select(0, r)
                                .select(0, t)
                                .select(1, q)
                                .select(1, p)
                                .select(2, u)
                                .select(2, v)
                                .copy_(source.select(2, a).select(2, b));
                        }
    FoldedConv conv;
    conv.weight = folded.reshape({s * s * out, s * s * in, folded_k, folded_k})
                      .contiguous(torch::MemoryFormat::ChannelsLast);
    conv.bias = bias.repeat({s * s});
    conv.factor = s;
    conv.kernel = k;
    conv.out_channels = out;
    return conv;
}

torch::Tensor folded_conv2d(const torch::Tensor& x, const FoldedConv& conv) {
    STYLECAM_CHECK(conv.defined(), "folded_conv2d: no folded weights");
    const int64_t s = conv.factor, n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    STYLECAM_CHECK(x.dim() == 4 && h % s == 0 && w % s == 0 && h >= conv.kernel &&
                       w >= conv.kernel && c * s * s == conv.weight.size(1),
                   "folded_conv2d: input ", x.sizes(), " does not fit a ", conv.kernel, "×",
                   conv.kernel, " convolution folded by ", s);
    // N×H×W×C → N×(H/s)×(W/s)×[q][p·C + c]: copies runs of s·C contiguous values.
    const auto nhwc = x.contiguous(torch::MemoryFormat::ChannelsLast).permute({0, 2, 3, 1});
    const auto folded = nhwc.reshape({n, h / s, s, w / s, s * c})
                            .permute({0, 1, 3, 2, 4})
                            .contiguous()
                            .reshape({n, h / s, w / s, s * s * c})
                            .permute({0, 3, 1, 2});
    const auto y =
        torch::conv2d(folded, conv.weight, conv.bias).contiguous(torch::MemoryFormat::ChannelsLast);
    const int64_t fh = y.size(2), fw = y.size(3), out = conv.out_channels;
    // N×fh×fw×[r][t·O + o] → N×(fh·s)×(fw·s)×O, then the valid part.
    const auto unfolded = y.permute({0, 2, 3, 1})
                              .reshape({n, fh, fw, s, s * out})
                              .permute({0, 1, 3, 2, 4})
                              .contiguous()
                              .reshape({n, fh * s, fw * s, out})
                              .permute({0, 3, 1, 2});
    return unfolded.narrow(2, 0, h - conv.kernel + 1).narrow(3, 0, w - conv.kernel + 1);
}

}  // namespace stylecam
