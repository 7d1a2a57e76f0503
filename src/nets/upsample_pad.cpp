#include "nets/upsample_pad.h"

#include "core/error.h"
#include "nets/bf16_bits.h"

#include <ATen/Parallel.h>

#include <cstdint>
#include <vector>

namespace stylecam {
namespace {

/// The two source samples of an output sample and their weights.
struct Tap {
    int64_t i0, i1;
    float w0, w1;
};

/// Output index `o` of a ×2 bilinear upsampling of `n` samples with align_corners = false: it
/// reads source position o/2 − 1/4, clamped to the first and last sample as LibTorch does.
Tap upsample_tap(int64_t o, int64_t n) {
    const int64_t i = o / 2;
    if (o % 2 == 0) return i == 0 ? Tap{0, 0, 1.0f, 0.0f} : Tap{i - 1, i, 0.25f, 0.75f};
    return i == n - 1 ? Tap{i, i, 1.0f, 0.0f} : Tap{i, i + 1, 0.75f, 0.25f};
}

/// Index `r` ∈ [−pad, size + pad) reflected into [0, size) (the edge sample is not repeated).
int64_t reflect(int64_t r, int64_t size) {
    if (r < 0) return -r;
    if (r >= size) return 2 * (size - 1) - r;
    return r;
}

using bf16_bits::load;
using bf16_bits::store;

/// One output row: blends two input rows (w×c each) into `line`, then each output pixel from two
/// pixels of it. Inlined into the two functions below, which are compiled for AVX2 as well as
/// the baseline (chosen at run time; multiversioned functions cannot be templates).
template <typename T>
inline __attribute__((always_inline)) void blend_row(const T* row0, const T* row1, float w0,
                                                     float w1, float* line, T* target,
                                                     const Tap* columns, int64_t out_w, int64_t w,
                                                     int64_t c) {
    for (int64_t k = 0; k < w * c; ++k) line[k] = w0 * load(row0[k]) + w1 * load(row1[k]);
    for (int64_t ox = 0; ox < out_w; ++ox) {
        const Tap& tx = columns[ox];
        const float* a = line + tx.i0 * c;
        const float* d = line + tx.i1 * c;
        T* pixel = target + ox * c;
        for (int64_t ch = 0; ch < c; ++ch) store(tx.w0 * a[ch] + tx.w1 * d[ch], pixel + ch);
    }
}

__attribute__((target_clones("avx2", "default"))) void upsample_pad_row_f32(
    const float* row0, const float* row1, float w0, float w1, float* line, float* target,
    const Tap* columns, int64_t out_w, int64_t w, int64_t c) {
    blend_row(row0, row1, w0, w1, line, target, columns, out_w, w, c);
}

__attribute__((target_clones("avx2", "default"))) void upsample_pad_row_bf16(
    const uint16_t* row0, const uint16_t* row1, float w0, float w1, float* line, uint16_t* target,
    const Tap* columns, int64_t out_w, int64_t w, int64_t c) {
    blend_row(row0, row1, w0, w1, line, target, columns, out_w, w, c);
}

inline void upsample_pad_row(const float* row0, const float* row1, float w0, float w1, float* line,
                             float* target, const Tap* columns, int64_t out_w, int64_t w,
                             int64_t c) {
    upsample_pad_row_f32(row0, row1, w0, w1, line, target, columns, out_w, w, c);
}

inline void upsample_pad_row(const uint16_t* row0, const uint16_t* row1, float w0, float w1,
                             float* line, uint16_t* target, const Tap* columns, int64_t out_w,
                             int64_t w, int64_t c) {
    upsample_pad_row_bf16(row0, row1, w0, w1, line, target, columns, out_w, w, c);
}

/// NHWC `in` (n×h×w×c) → NHWC `out` (n×(2h+2p)×(2w+2p)×c), rows in parallel (LibTorch's
/// intra-op threads; this file is compiled with OpenMP for that).
template <typename T>
void upsample_pad_nhwc(const T* in, T* out, int64_t n, int64_t c, int64_t h, int64_t w,
                       int64_t pad) {
    const int64_t out_h = 2 * h + 2 * pad, out_w = 2 * w + 2 * pad;
    std::vector<Tap> columns(out_w);
    for (int64_t ox = 0; ox < out_w; ++ox) columns[ox] = upsample_tap(reflect(ox - pad, 2 * w), w);
    at::parallel_for(0, n * out_h, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> line(w * c);
        for (int64_t row = begin; row < end; ++row) {
            const int64_t b = row / out_h, oy = row % out_h;
            const Tap ty = upsample_tap(reflect(oy - pad, 2 * h), h);
            upsample_pad_row(in + (b * h + ty.i0) * w * c, in + (b * h + ty.i1) * w * c, ty.w0,
                             ty.w1, line.data(), out + row * out_w * c, columns.data(), out_w, w,
                             c);
        }
    });
}

}  // namespace

torch::Tensor upsample2_bilinear_padded(const torch::Tensor& x, int64_t pad) {
    STYLECAM_CHECK(x.dim() == 4, "upsampling: expected an N×C×H×W tensor, got ", x.sizes());
    const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    STYLECAM_CHECK(h > 0 && w > 0 && pad >= 0 && pad < 2 * std::min(h, w),
                   "upsampling: a reflection pad of ", pad, " needs an upsampled map larger than ",
                   pad, " pixels, got ", 2 * h, "×", 2 * w);
    const auto format = x.suggest_memory_format();
    const auto dtype = x.scalar_type();
    const bool fused = x.device().is_cpu() && format == torch::MemoryFormat::ChannelsLast &&
                       (dtype == torch::kFloat32 || dtype == torch::kBFloat16);
    if (!fused) {
        const bool via_float = dtype == torch::kBFloat16 && x.device().is_cpu();
        const auto source = via_float ? x.to(torch::kFloat32) : x;
        auto y = torch::upsample_bilinear2d(source, {2 * h, 2 * w}, /*align_corners=*/false);
        if (pad > 0) y = torch::reflection_pad2d(y, {pad, pad, pad, pad});
        return y.to(dtype).contiguous(format);
    }
    const auto input = x.contiguous(torch::MemoryFormat::ChannelsLast);
    auto out = torch::empty({n, c, 2 * h + 2 * pad, 2 * w + 2 * pad},
                            x.options().memory_format(torch::MemoryFormat::ChannelsLast));
    if (dtype == torch::kFloat32)
        upsample_pad_nhwc(input.data_ptr<float>(), out.data_ptr<float>(), n, c, h, w, pad);
    else
        upsample_pad_nhwc(reinterpret_cast<const uint16_t*>(input.data_ptr<at::BFloat16>()),
                          reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>()), n, c, h, w,
                          pad);
    return out;
}

}  // namespace stylecam
