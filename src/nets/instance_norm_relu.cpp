#include "nets/instance_norm_relu.h"

#include "core/error.h"
#include "nets/bf16_bits.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace stylecam {
namespace {

constexpr int kLanes = 16;  // independent partial sums: lets the compiler vectorize the sums

using bf16_bits::load;
using bf16_bits::store;

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

/// Channels-last maps: C consecutive values per pixel. Adds each channel's sum over `pixels`
/// pixels (with `mean`, its sum of (value − mean[c])²) into `sums` (C doubles).
template <typename T>
inline __attribute__((always_inline)) void channel_sums(const T* in, int64_t pixels, int64_t c,
                                                        const float* mean, double* sums) {
    for (int64_t p = 0; p < pixels; ++p) {
        const T* pixel = in + p * c;
        for (int64_t ch = 0; ch < c; ++ch) {
            const float v = mean ? load(pixel[ch]) - mean[ch] : load(pixel[ch]);
            sums[ch] += mean ? static_cast<double>(v * v) : static_cast<double>(v);
        }
    }
}

/// out = max(0, in·scale[c] + shift[c]) (or without the max) over `pixels` channels-last pixels.
template <typename T>
inline __attribute__((always_inline)) void scale_pixels(const T* in, T* out, int64_t pixels,
                                                        int64_t c, const float* scale,
                                                        const float* shift, bool relu) {
    for (int64_t p = 0; p < pixels; ++p)
        for (int64_t ch = 0; ch < c; ++ch) {
            const float v = load(in[p * c + ch]) * scale[ch] + shift[ch];
            store(relu ? std::max(v, 0.0f) : v, out + p * c + ch);
        }
}

__attribute__((target_clones("avx2", "default"))) void channel_sums_f32(const float* in,
                                                                        int64_t pixels, int64_t c,
                                                                        const float* mean,
                                                                        double* sums) {
    channel_sums(in, pixels, c, mean, sums);
}
__attribute__((target_clones("avx2", "default"))) void channel_sums_bf16(const uint16_t* in,
                                                                         int64_t pixels, int64_t c,
                                                                         const float* mean,
                                                                         double* sums) {
    channel_sums(in, pixels, c, mean, sums);
}
__attribute__((target_clones("avx2", "default"))) void scale_pixels_f32(const float* in, float* out,
                                                                        int64_t pixels, int64_t c,
                                                                        const float* scale,
                                                                        const float* shift,
                                                                        bool relu) {
    scale_pixels(in, out, pixels, c, scale, shift, relu);
}
__attribute__((target_clones("avx2", "default"))) void scale_pixels_bf16(
    const uint16_t* in, uint16_t* out, int64_t pixels, int64_t c, const float* scale,
    const float* shift, bool relu) {
    scale_pixels(in, out, pixels, c, scale, shift, relu);
}

inline void channel_sums_any(const float* in, int64_t pixels, int64_t c, const float* mean,
                             double* sums) {
    channel_sums_f32(in, pixels, c, mean, sums);
}
inline void channel_sums_any(const uint16_t* in, int64_t pixels, int64_t c, const float* mean,
                             double* sums) {
    channel_sums_bf16(in, pixels, c, mean, sums);
}
inline void scale_pixels_any(const float* in, float* out, int64_t pixels, int64_t c,
                             const float* scale, const float* shift, bool relu) {
    scale_pixels_f32(in, out, pixels, c, scale, shift, relu);
}
inline void scale_pixels_any(const uint16_t* in, uint16_t* out, int64_t pixels, int64_t c,
                             const float* scale, const float* shift, bool relu) {
    scale_pixels_bf16(in, out, pixels, c, scale, shift, relu);
}

/// A channels-last N×C×H×W map: per image, the channels' means, then their variances about them
/// (each pass split into one pixel range per intra-op thread, partial sums added in order), then
/// the output, parallel over pixels.
template <typename T>
void normalize_channels_last(const T* in, T* out, int64_t n, int64_t c, int64_t pixels,
                             const float* weight, const float* bias, float eps, bool relu) {
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), pixels));
    std::vector<double> partial(chunks * c);
    std::vector<float> mean(c), scale(c), shift(c);
    for (int64_t b = 0; b < n; ++b) {
        const T* image = in + b * pixels * c;
        T* target = out + b * pixels * c;
        const auto sums = [&](const float* about) {
            std::fill(partial.begin(), partial.end(), 0.0);
            at::parallel_for(0, chunks, 1, [&](int64_t first, int64_t last) {
                for (int64_t chunk = first; chunk < last; ++chunk) {
                    const int64_t begin = pixels * chunk / chunks;
                    const int64_t end = pixels * (chunk + 1) / chunks;
                    channel_sums_any(image + begin * c, end - begin, c, about,
                                     partial.data() + chunk * c);
                }
            });
            std::vector<double> total(c, 0.0);
            for (int64_t chunk = 0; chunk < chunks; ++chunk)
                for (int64_t ch = 0; ch < c; ++ch) total[ch] += partial[chunk * c + ch];
            return total;
        };
        const auto first = sums(nullptr);
        for (int64_t ch = 0; ch < c; ++ch) mean[ch] = static_cast<float>(first[ch] / pixels);
        const auto second = sums(mean.data());
        for (int64_t ch = 0; ch < c; ++ch) {
            const float variance = static_cast<float>(second[ch] / pixels);
            scale[ch] = weight[ch] / std::sqrt(variance + eps);
            shift[ch] = bias[ch] - mean[ch] * scale[ch];
        }
        at::parallel_for(0, pixels, 256, [&](int64_t begin, int64_t end) {
            scale_pixels_any(image + begin * c, target + begin * c, end - begin, c, scale.data(),
                             shift.data(), relu);
        });
    }
}

}  // namespace

bool instance_norm_fusable(const torch::Tensor& x) {
    return !torch::GradMode::is_enabled() && x.device().is_cpu() && x.dim() == 4 &&
           (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kBFloat16) &&
           (x.is_contiguous() || x.is_contiguous(torch::MemoryFormat::ChannelsLast));
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
    const auto eps32 = static_cast<float>(eps);
    if (!x.is_contiguous()) {  // channels-last
        if (bf16)
            normalize_channels_last(reinterpret_cast<const uint16_t*>(x.data_ptr<at::BFloat16>()),
                                    reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>()),
                                    x.size(0), channels, size, ws, bs, eps32, relu);
        else
            normalize_channels_last(x.data_ptr<float>(), out.data_ptr<float>(), x.size(0), channels,
                                    size, ws, bs, eps32, relu);
        return out;
    }
    const auto* in16 =
        bf16 ? reinterpret_cast<const uint16_t*>(x.data_ptr<at::BFloat16>()) : nullptr;
    auto* out16 = bf16 ? reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>()) : nullptr;
    const float* in32 = bf16 ? nullptr : x.data_ptr<float>();
    float* out32 = bf16 ? nullptr : out.data_ptr<float>();
    at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const int64_t c = plane % channels, offset = plane * size;
            if (bf16)
                normalize_plane_bf16(in16 + offset, out16 + offset, size, ws[c], bs[c], eps32,
                                     relu);
            else
                normalize_plane_f32(in32 + offset, out32 + offset, size, ws[c], bs[c], eps32, relu);
        }
    });
    return out;
}

}  // namespace stylecam
