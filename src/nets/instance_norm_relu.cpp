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

/// The per-plane affine step of a normalization by `mean` and `variance`: out = in·scale + shift.
struct PlaneAffine {
    float scale, shift;
};
inline PlaneAffine plane_affine(float weight, float bias, float mean, float variance, float eps) {
    const float scale = weight / std::sqrt(variance + eps);
    return {scale, bias - mean * scale};
}

/// One plane's mean and biased variance.
template <typename T>
inline __attribute__((always_inline)) void plane_statistics(const T* in, int64_t size, float* mean,
                                                            float* variance) {
    *mean = static_cast<float>(plane_sum(in, size, nullptr) / size);
    *variance = static_cast<float>(plane_sum(in, size, mean) / size);
}

/// out = max(0, in·scale + shift) (or without the max) over one plane.
template <typename T>
inline __attribute__((always_inline)) void scale_plane(const T* in, T* out, int64_t size,
                                                       float scale, float shift, bool relu) {
    if (relu)
        for (int64_t i = 0; i < size; ++i)
            store(std::max(load(in[i]) * scale + shift, 0.0f), out + i);
    else
        for (int64_t i = 0; i < size; ++i) store(load(in[i]) * scale + shift, out + i);
}

/// One plane: mean, biased variance, then out = max(0, in·scale + shift) (or without the max).
template <typename T>
inline __attribute__((always_inline)) void normalize_plane(const T* in, T* out, int64_t size,
                                                           float weight, float bias, float eps,
                                                           bool relu) {
    float mean = 0, variance = 0;
    plane_statistics(in, size, &mean, &variance);
    const PlaneAffine affine = plane_affine(weight, bias, mean, variance, eps);
    scale_plane(in, out, size, affine.scale, affine.shift, relu);
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

__attribute__((target_clones("avx2", "default"))) void plane_statistics_f32(const float* in,
                                                                            int64_t size,
                                                                            float* mean,
                                                                            float* variance) {
    plane_statistics(in, size, mean, variance);
}
__attribute__((target_clones("avx2", "default"))) void plane_statistics_bf16(const uint16_t* in,
                                                                             int64_t size,
                                                                             float* mean,
                                                                             float* variance) {
    plane_statistics(in, size, mean, variance);
}
__attribute__((target_clones("avx2", "default"))) void scale_plane_f32(const float* in, float* out,
                                                                       int64_t size, float scale,
                                                                       float shift, bool relu) {
    scale_plane(in, out, size, scale, shift, relu);
}
__attribute__((target_clones("avx2", "default"))) void scale_plane_bf16(const uint16_t* in,
                                                                        uint16_t* out, int64_t size,
                                                                        float scale, float shift,
                                                                        bool relu) {
    scale_plane(in, out, size, scale, shift, relu);
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
/// (each pass split into one pixel range per intra-op thread, partial sums added in order), into
/// `mean` and `variance` (N·C each).
template <typename T>
void channels_last_statistics(const T* in, int64_t n, int64_t c, int64_t pixels, float* mean,
                              float* variance) {
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), pixels));
    std::vector<double> partial(chunks * c);
    for (int64_t b = 0; b < n; ++b) {
        const T* image = in + b * pixels * c;
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
        for (int64_t ch = 0; ch < c; ++ch)
            mean[b * c + ch] = static_cast<float>(first[ch] / pixels);
        const auto second = sums(mean + b * c);
        for (int64_t ch = 0; ch < c; ++ch)
            variance[b * c + ch] = static_cast<float>(second[ch] / pixels);
    }
}

/// Per image of a channels-last map, out = max(0, in·scale + shift) (or without the max) with
/// scale and shift from `mean` and `variance` (N·C each), parallel over pixels.
template <typename T>
void channels_last_scale(const T* in, T* out, int64_t n, int64_t c, int64_t pixels,
                         const float* mean, const float* variance, const float* weight,
                         const float* bias, float eps, bool relu) {
    std::vector<float> scale(c), shift(c);
    for (int64_t b = 0; b < n; ++b) {
        for (int64_t ch = 0; ch < c; ++ch) {
            const PlaneAffine affine =
                plane_affine(weight[ch], bias[ch], mean[b * c + ch], variance[b * c + ch], eps);
            scale[ch] = affine.scale;
            shift[ch] = affine.shift;
        }
        const T* image = in + b * pixels * c;
        T* target = out + b * pixels * c;
        at::parallel_for(0, pixels, 256, [&](int64_t begin, int64_t end) {
            scale_pixels_any(image + begin * c, target + begin * c, end - begin, c, scale.data(),
                             shift.data(), relu);
        });
    }
}

void check_shapes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
    STYLECAM_CHECK(x.dim() == 4 && weight.numel() == x.size(1) && bias.numel() == x.size(1),
                   "instance norm: expected an N×C×H×W map and C weights and biases, got ",
                   x.sizes(), ", ", weight.sizes(), " and ", bias.sizes());
}

bool fused_parameters(const torch::Tensor& weight, const torch::Tensor& bias) {
    return weight.scalar_type() == torch::kFloat32 && bias.scalar_type() == torch::kFloat32;
}

/// The raw element pointers of a fused map: bf16 as its bits.
template <typename T>
T* elements(const torch::Tensor& x);
template <>
float* elements<float>(const torch::Tensor& x) {
    return x.data_ptr<float>();
}
template <>
uint16_t* elements<uint16_t>(const torch::Tensor& x) {
    return reinterpret_cast<uint16_t*>(x.data_ptr<at::BFloat16>());
}

}  // namespace

bool instance_norm_fusable(const torch::Tensor& x) {
    return !torch::GradMode::is_enabled() && x.device().is_cpu() && x.dim() == 4 &&
           (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kBFloat16) &&
           (x.is_contiguous() || x.is_contiguous(torch::MemoryFormat::ChannelsLast));
}

torch::Tensor instance_norm_relu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, double eps, bool relu) {
    check_shapes(x, weight, bias);
    if (!instance_norm_fusable(x) || !fused_parameters(weight, bias)) {
        auto y = torch::instance_norm(x, weight, bias, {}, {}, /*use_input_stats=*/true, 0.0, eps,
                                      at::globalContext().userEnabledCuDNN());
        return relu ? torch::relu(y) : y;
    }
    if (!x.is_contiguous())  // channels-last: statistics, then the output (both parallel)
        return instance_norm_relu(x, weight, bias, eps, relu, instance_statistics(x));
    const int64_t channels = x.size(1), size = x.size(2) * x.size(3);
    const auto w = weight.contiguous(), b = bias.contiguous();
    auto out = torch::empty_like(x);
    const float* ws = w.data_ptr<float>();
    const float* bs = b.data_ptr<float>();
    const bool bf16 = x.scalar_type() == torch::kBFloat16;
    const auto eps32 = static_cast<float>(eps);
    const uint16_t* in16 = bf16 ? elements<uint16_t>(x) : nullptr;
    uint16_t* out16 = bf16 ? elements<uint16_t>(out) : nullptr;
    const float* in32 = bf16 ? nullptr : elements<float>(x);
    float* out32 = bf16 ? nullptr : elements<float>(out);
    // One plane at a time, statistics and output together (the plane stays in cache).
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

InstanceStatistics instance_statistics(const torch::Tensor& x) {
    STYLECAM_CHECK(x.dim() == 4, "instance norm: expected an N×C×H×W map, got ", x.sizes());
    const int64_t n = x.size(0), channels = x.size(1), size = x.size(2) * x.size(3);
    if (!instance_norm_fusable(x)) {
        const auto values = x.to(torch::kFloat32);
        const auto mean = values.mean({2, 3});
        const auto variance = (values - mean.view({n, channels, 1, 1})).square().mean({2, 3});
        return {mean, variance};
    }
    const auto options = torch::TensorOptions().dtype(torch::kFloat32);
    InstanceStatistics statistics{torch::empty({n, channels}, options),
                                  torch::empty({n, channels}, options)};
    float* mean = statistics.mean.data_ptr<float>();
    float* variance = statistics.variance.data_ptr<float>();
    const bool bf16 = x.scalar_type() == torch::kBFloat16;
    if (!x.is_contiguous()) {  // channels-last
        if (bf16)
            channels_last_statistics(elements<uint16_t>(x), n, channels, size, mean, variance);
        else
            channels_last_statistics(elements<float>(x), n, channels, size, mean, variance);
        return statistics;
    }
    const uint16_t* in16 = bf16 ? elements<uint16_t>(x) : nullptr;
    const float* in32 = bf16 ? nullptr : elements<float>(x);
    at::parallel_for(0, n * channels, 1, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            if (bf16)
                plane_statistics_bf16(in16 + plane * size, size, mean + plane, variance + plane);
            else
                plane_statistics_f32(in32 + plane * size, size, mean + plane, variance + plane);
        }
    });
    return statistics;
}

torch::Tensor instance_norm_relu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias, double eps, bool relu,
                                 const InstanceStatistics& statistics) {
    check_shapes(x, weight, bias);
    const int64_t n = x.size(0), channels = x.size(1), size = x.size(2) * x.size(3);
    STYLECAM_CHECK(statistics.mean.sizes() == torch::IntArrayRef({n, channels}) &&
                       statistics.variance.sizes() == torch::IntArrayRef({n, channels}),
                   "instance norm: expected N×C statistics for a map of ", x.sizes(), ", got ",
                   statistics.mean.sizes(), " and ", statistics.variance.sizes());
    if (!instance_norm_fusable(x) || !fused_parameters(weight, bias) ||
        !statistics.mean.device().is_cpu()) {
        // scale = weight / sqrt(variance + eps), shift = bias − mean · scale, per plane
        const auto scale = weight.to(torch::kFloat32).view({1, channels}) /
                           (statistics.variance.to(x.device(), torch::kFloat32) + eps).sqrt();
        const auto shift = bias.to(torch::kFloat32).view({1, channels}) -
                           statistics.mean.to(x.device(), torch::kFloat32) * scale;
        auto y = (x.to(torch::kFloat32) * scale.view({n, channels, 1, 1}) +
                  shift.view({n, channels, 1, 1}))
                     .to(x.scalar_type());
        return relu ? torch::relu(y) : y;
    }
    const auto w = weight.contiguous(), b = bias.contiguous();
    const auto mean_values = statistics.mean.to(torch::kFloat32).contiguous();
    const auto variance_values = statistics.variance.to(torch::kFloat32).contiguous();
    const float* ws = w.data_ptr<float>();
    const float* bs = b.data_ptr<float>();
    const float* mean = mean_values.data_ptr<float>();
    const float* variance = variance_values.data_ptr<float>();
    const auto eps32 = static_cast<float>(eps);
    const bool bf16 = x.scalar_type() == torch::kBFloat16;
    auto out = torch::empty_like(x);
    if (!x.is_contiguous()) {  // channels-last
        if (bf16)
            channels_last_scale(elements<uint16_t>(x), elements<uint16_t>(out), n, channels, size,
                                mean, variance, ws, bs, eps32, relu);
        else
            channels_last_scale(elements<float>(x), elements<float>(out), n, channels, size, mean,
                                variance, ws, bs, eps32, relu);
        return out;
    }
    const uint16_t* in16 = bf16 ? elements<uint16_t>(x) : nullptr;
    uint16_t* out16 = bf16 ? elements<uint16_t>(out) : nullptr;
    const float* in32 = bf16 ? nullptr : elements<float>(x);
    float* out32 = bf16 ? nullptr : elements<float>(out);
    at::parallel_for(0, n * channels, 1, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const int64_t c = plane % channels, offset = plane * size;
            const PlaneAffine affine =
                plane_affine(ws[c], bs[c], mean[plane], variance[plane], eps32);
            if (bf16)
                scale_plane_bf16(in16 + offset, out16 + offset, size, affine.scale, affine.shift,
                                 relu);
            else
                scale_plane_f32(in32 + offset, out32 + offset, size, affine.scale, affine.shift,
                                relu);
        }
    });
    return out;
}

}  // namespace stylecam
