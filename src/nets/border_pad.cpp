#include "nets/border_pad.h"

#include "core/error.h"

namespace stylecam {
namespace {

/// Border row/column `pad - i` (and its mirror) copies interior index `pad + i` (reflect) or
/// `pad` (replicate); columns are filled after the rows, so the corners follow.
torch::Tensor pad_borders(const torch::Tensor& x, int64_t pad, bool reflect) {
    STYLECAM_CHECK(x.dim() == 4, "pad: expected an N×C×H×W tensor, got ", x.sizes());
    const int64_t h = x.size(2), w = x.size(3);
    STYLECAM_CHECK(pad >= 0 && h >= 1 && w >= 1 && (!reflect || (pad < h && pad < w)), "pad: ", pad,
                   " pixels do not fit a ", h, "×", w, " map");
    if (pad == 0) return x;
    auto out = torch::empty({x.size(0), x.size(1), h + 2 * pad, w + 2 * pad},
                            x.options().memory_format(x.suggest_memory_format()));
    out.narrow(2, pad, h).narrow(3, pad, w).copy_(x);
    const auto rows = out.narrow(3, pad, w);
    for (int64_t i = 1; i <= pad; ++i) {
        rows.narrow(2, pad - i, 1).copy_(rows.narrow(2, reflect ? pad + i : pad, 1));
        const int64_t last = pad + h - 1;
        rows.narrow(2, last + i, 1).copy_(rows.narrow(2, reflect ? last - i : last, 1));
    }
    for (int64_t j = 1; j <= pad; ++j) {
        out.narrow(3, pad - j, 1).copy_(out.narrow(3, reflect ? pad + j : pad, 1));
        const int64_t last = pad + w - 1;
        out.narrow(3, last + j, 1).copy_(out.narrow(3, reflect ? last - j : last, 1));
    }
    return out;
}

}  // namespace

torch::Tensor reflection_pad(const torch::Tensor& x, int64_t pad) {
    return pad_borders(x, pad, true);
}

torch::Tensor replication_pad(const torch::Tensor& x, int64_t pad) {
    return pad_borders(x, pad, false);
}

}  // namespace stylecam
