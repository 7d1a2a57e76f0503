#include "nets/pixel_shuffle2.h"

#include "core/error.h"

#include <ATen/Parallel.h>

#include <cstdint>

namespace stylecam {
namespace {

bool row_wise(const torch::Tensor& x) {
    return x.device().is_cpu() && x.dim() == 4 && x.is_contiguous() &&
           (x.element_size() == 4 || x.element_size() == 2);
}

/// Splits a row of 2w samples into its even and odd samples (w each), or joins them back.
template <typename T>
inline __attribute__((always_inline)) void split_row(const T* row, T* even, T* odd, int64_t w) {
    for (int64_t x = 0; x < w; ++x) {
        even[x] = row[2 * x];
        odd[x] = row[2 * x + 1];
    }
}
template <typename T>
inline __attribute__((always_inline)) void join_row(const T* even, const T* odd, T* row,
                                                    int64_t w) {
    for (int64_t x = 0; x < w; ++x) {
        row[2 * x] = even[x];
        row[2 * x + 1] = odd[x];
    }
}

// Multiversioned functions cannot be templates: one per element size.
__attribute__((target_clones("avx2", "default"))) void split_row32(const uint32_t* row,
                                                                   uint32_t* even, uint32_t* odd,
                                                                   int64_t w) {
    split_row(row, even, odd, w);
}
__attribute__((target_clones("avx2", "default"))) void split_row16(const uint16_t* row,
                                                                   uint16_t* even, uint16_t* odd,
                                                                   int64_t w) {
    split_row(row, even, odd, w);
}
__attribute__((target_clones("avx2", "default"))) void join_row32(const uint32_t* even,
                                                                  const uint32_t* odd,
                                                                  uint32_t* row, int64_t w) {
    join_row(even, odd, row, w);
}
__attribute__((target_clones("avx2", "default"))) void join_row16(const uint16_t* even,
                                                                  const uint16_t* odd,
                                                                  uint16_t* row, int64_t w) {
    join_row(even, odd, row, w);
}

/// For every input row r = 2y + i of channel c (N·C·H rows in all, `wide` the full-resolution
/// map): the narrow maps' rows y of channels 4c + 2i and 4c + 2i + 1 (its even and odd samples).
template <typename T, typename Rows>
void for_each_row(int64_t n, int64_t c, int64_t h, int64_t w, T* wide, T* narrow, Rows rows) {
    const int64_t half_h = h / 2, half_w = w / 2, plane = half_h * half_w;
    at::parallel_for(0, n * c * h, 16, [&](int64_t begin, int64_t end) {
        for (int64_t index = begin; index < end; ++index) {
            const int64_t row = index % h, channel = index / h;  // channel: b·C + c
            const int64_t y = row / 2, i = row % 2;
            T* even = narrow + ((channel * 4 + 2 * i) * half_h + y) * half_w;
            rows(wide + index * w, even, even + plane, half_w);
        }
    });
}

}  // namespace

torch::Tensor pixel_unshuffle2(const torch::Tensor& x) {
    if (!row_wise(x) || x.size(2) % 2 != 0 || x.size(3) % 2 != 0)
        return torch::pixel_unshuffle(x, 2);
    const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto out = torch::empty({n, 4 * c, h / 2, w / 2}, x.options());
    if (x.element_size() == 4)
        for_each_row(n, c, h, w, static_cast<uint32_t*>(x.data_ptr()),
                     static_cast<uint32_t*>(out.data_ptr()),
                     [](uint32_t* row, uint32_t* even, uint32_t* odd, int64_t half) {
                         split_row32(row, even, odd, half);
                     });
    else
        for_each_row(n, c, h, w, static_cast<uint16_t*>(x.data_ptr()),
                     static_cast<uint16_t*>(out.data_ptr()),
                     [](uint16_t* row, uint16_t* even, uint16_t* odd, int64_t half) {
                         split_row16(row, even, odd, half);
                     });
    return out;
}

torch::Tensor pixel_shuffle2(const torch::Tensor& x) {
    if (!row_wise(x) || x.size(1) % 4 != 0) return torch::pixel_shuffle(x, 2);
    const int64_t n = x.size(0), c = x.size(1) / 4, h = 2 * x.size(2), w = 2 * x.size(3);
    auto out = torch::empty({n, c, h, w}, x.options());
    if (x.element_size() == 4)
        for_each_row(n, c, h, w, static_cast<uint32_t*>(out.data_ptr()),
                     static_cast<uint32_t*>(x.data_ptr()),
                     [](uint32_t* row, uint32_t* even, uint32_t* odd, int64_t half) {
                         join_row32(even, odd, row, half);
                     });
    else
        for_each_row(n, c, h, w, static_cast<uint16_t*>(out.data_ptr()),
                     static_cast<uint16_t*>(x.data_ptr()),
                     [](uint16_t* row, uint16_t* even, uint16_t* odd, int64_t half) {
                         join_row16(even, odd, row, half);
                     });
    return out;
}

}  // namespace stylecam
