#include "nets/instance_norm_relu.h"

#include "core/error.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace stylecam {
namespace {

constexpr int kLanes = 16;  // independent partial sums: lets the compiler vectorize the sums

/// Element access in float32: float itself, or bf16 as its raw bits (stored rounded to nearest
/// even, NaN kept NaN).
inline float load(float v) { return v; }
inline float load(uint16_t bf16) {
    const uint32_t bits = static_cast<uint32_t>(bf16) << 16;
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}
inline void store(float value, float* target) { *target = value; }
inline void store(float value, uint16_t* target) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    *target = static_cast<uint16_t>((bits & 0x7FFFFFFFu) > 0x7F800000u ? 0x7FC0u : rounded);
}

/// Sum of `values` and, when `mean` is given, of (value − mean)²: float partial sums per lane,
/// combined in double.
template <typename T>
inline __attribute__((always_inline)) double plane_sum(const T* values, int64_t size,
                                                       const float* mean) {
    float partial[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= size; i += kLanes)
        for (int k = 0; k < kLanes; ++k) {
            const float v = mean ? load(values[i + k]) - *mean : load(values[i + k]);
            partial[k] += mean ? v * v : v;
        }
    double total = 0;
    for (int k = 0; k < kLanes; ++k) total += partial[k];
    for (; i < size; ++i) {
        const double v = mean ? load(values[i]) - *mean : load(values[i]);
        total += mean ? v * v : v;
    }
    return total;
}

/// One plane: mean, biased variance, then out = max(0, in·scale + shift) (or without the max).
template <typename T>
inline __attribute__((always_inline)) void normalize_plane(const T* in, T* out, int64_t size,
                                                           float weight, float bias, float eps,
                                                           bool relu) {
    const float mean = static_cast<float>(plane_sum(in, size, nullptr) / size);
    const float variance = static_cast<float>(plane_sum(in, size, &mean) / size);
    const float scale = weight / std::sqrt(variance + eps);
    const float shift = bias - mean * scale;
    if (relu)
        for (int64_t i = 0; i < size; ++i)
            store(std::max(load(in[i]) * scale + shift, 0.0f), out + i);
    else
        for (int64_t i = 0; i < size; ++i) store(load(in[i]) * scale + shift, out + i);
}

// Compiled for AVX2 as well as the baseline, chosen at run time (multiversioned functions
// cannot be templates: one per element type).
__attribute__((target_clones("avx2", "default"))) void normalize_plane_f32(const float* in,
                                                                           float* out, int64_t size,
                                                                           float weight, float bias,
                                                                           float eps, bool relu) {
    normalize_plane(in, out, size, weight, bias, eps, relu);
}
__attribute__((target_clones("avx2", "default"))) void normalize_plane_bf16(
    const uint16_t* in, uint16_t* out, int64_t size, float weight, float bias, float eps,
    bool relu) {
    normalize_plane(in, out, size, weight, bias, eps, relu);
}

}  // namespace

bool instance_norm_fusable(const torch::Tensor& x) {
    return !torch::GradMode::is_enabled() && x.device().is_cpu() && x.dim() == 4 &&
           (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kBFloat16) &&
           x.is_contiguous();
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
    const float* ws = w.data_ptr<float>();
    const float* bs = b.data_ptr<float>();
    const bool bf16 = x.scalar_type() == torch::kBFloat16;
    at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const int64_t c = plane % channels, offset = plane * size;
            const float eps32 = static_cast<float>(eps);
            if (bf16)
                normalize_plane_bf16(
                    reinterpret_cast<const uint16_t*>(x.data_ptr<at::BFloat16>()) + offset,
                    reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>()) + offset, size, ws[c],
                    bs[c], eps32, relu);
            else
                normalize_plane_f32(x.data_ptr<float>() + offset, out.data_ptr<float>() + offset,
                                    size, ws[c], bs[c], eps32, relu);
        }
    });
    return out;
}

}  // namespace stylecam
