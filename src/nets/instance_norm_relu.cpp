#include "nets/instance_norm_relu.h"

#include "core/error.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace stylecam {
namespace {

constexpr int kLanes = 16;  // independent partial sums: lets the compiler vectorize the sums

/// Sum of `values` and, when `mean` is given, of (value − mean)²: float partial sums per lane,
/// combined in double.
inline __attribute__((always_inline)) double plane_sum(const float* values, int64_t size,
                                                       const float* mean) {
    float partial[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= size; i += kLanes)
        for (int k = 0; k < kLanes; ++k) {
            const float v = mean ? values[i + k] - *mean : values[i + k];
            partial[k] += mean ? v * v : v;
        }
    double total = 0;
    for (int k = 0; k < kLanes; ++k) total += partial[k];
    for (; i < size; ++i) {
        const double v = mean ? values[i] - *mean : values[i];
        total += mean ? v * v : v;
    }
    return total;
}

/// One plane: mean, biased variance, then out = max(0, in·scale + shift) (or without the max).
/// Compiled for AVX2 as well as the baseline, chosen at run time.
__attribute__((target_clones("avx2", "default"))) void normalize_plane(const float* in, float* out,
                                                                       int64_t size, float weight,
                                                                       float bias, float eps,
                                                                       bool relu) {
    const float mean = static_cast<float>(plane_sum(in, size, nullptr) / size);
    const float variance = static_cast<float>(plane_sum(in, size, &mean) / size);
    const float scale = weight / std::sqrt(variance + eps);
    const float shift = bias - mean * scale;
    if (relu)
        for (int64_t i = 0; i < size; ++i) out[i] = std::max(in[i] * scale + shift, 0.0f);
    else
        for (int64_t i = 0; i < size; ++i) out[i] = in[i] * scale + shift;
}

}  // namespace

bool instance_norm_fusable(const torch::Tensor& x) {
    return !torch::GradMode::is_enabled() && x.device().is_cpu() && x.dim() == 4 &&
           x.scalar_type() == torch::kFloat32 && x.is_contiguous();
}

torch::Tensor instance_norm_relu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, double eps, bool relu) {
    STYLECAM_CHECK(x.dim() == 4 && weight.numel() == x.size(1) && bias.numel() == x.size(1),
                   "instance norm: expected an N×C×H×W map and C weights and biases, got ",
                   x.sizes(), ", ", weight.sizes(), " and ", bias.sizes());
    if (!instance_norm_fusable(x) || weight.scalar_type() != torch::kFloat32 ||
        bias.scalar_type() != torch::kFloat32) {
        auto y = torch::instance_norm(x, weight, bias, {}, {}, /*use_input_stats=*/true, 0.0, eps,
                                      at::globalContext().userEnabledCuDNN());
        return relu ? torch::relu(y) : y;
    }
    const int64_t channels = x.size(1), size = x.size(2) * x.size(3);
    const auto w = weight.contiguous(), b = bias.contiguous();
    auto out = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* target = out.data_ptr<float>();
    const float* ws = w.data_ptr<float>();
    const float* bs = b.data_ptr<float>();
    at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const int64_t c = plane % channels;
            normalize_plane(in + plane * size, target + plane * size, size, ws[c], bs[c],
                            static_cast<float>(eps), relu);
        }
    });
    return out;
}

}  // namespace stylecam
