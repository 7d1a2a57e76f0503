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

/// Moves every row between the wide N×C×H×W map and the narrow N×4C×(H/2)×(W/2) one: input row
/// r = 2y + i of channel c is row y of narrow channels 4c + 2i (its even samples) and 4c + 2i + 1
/// (its odd ones). `split`: wide → narrow (unshuffle); otherwise narrow → wide (shuffle).
template <typename T>
void move_rows(T* wide, T* narrow, int64_t n, int64_t c, int64_t h, int64_t w, bool split,
               void (*split_row)(const T*, T*, T*, int64_t),
               void (*join_row)(const T*, const T*, T*, int64_t)) {
    const int64_t half_h = h / 2, half_w = w / 2, plane = half_h * half_w;
    at::parallel_for(0, n * c * h, 16, [&](int64_t begin, int64_t end) {
        for (int64_t index = begin; index < end; ++index) {
            const int64_t row = index % h, channel = index / h;  // channel: b·C + c
            const int64_t y = row / 2, i = row % 2;
            T* even = narrow + ((channel * 4 + 2 * i) * half_h + y) * half_w;
            if (split)
                split_row(wide + index * w, even, even + plane, half_w);
            else
                join_row(even, even + plane, wide + index * w, half_w);
        }
    });
}

/// `move_rows` for the element size of `wide` (N×C×H×W) and `narrow` (N×4C×(H/2)×(W/2)).
void move_rows(const torch::Tensor& wide, const torch::Tensor& narrow, bool split) {
    const int64_t n = wide.size(0), c = wide.size(1), h = wide.size(2), w = wide.size(3);
    if (wide.element_size() == 4)
        move_rows(static_cast<uint32_t*>(wide.data_ptr()),
                  static_cast<uint32_t*>(narrow.data_ptr()), n, c, h, w, split, split_row32,
                  join_row32);
    else
        move_rows(static_cast<uint16_t*>(wide.data_ptr()),
                  static_cast<uint16_t*>(narrow.data_ptr()), n, c, h, w, split, split_row16,
                  join_row16);
}

}  // namespace

torch::Tensor pixel_unshuffle2(const torch::Tensor& x) {
    if (!row_wise(x) || x.size(2) % 2 != 0 || x.size(3) % 2 != 0)
        return torch::pixel_unshuffle(x, 2);
    auto out = torch::empty({x.size(0), 4 * x.size(1), x.size(2) / 2, x.size(3) / 2}, x.options());
    move_rows(x, out, /*split=*/true);
    return out;
}

torch::Tensor pixel_shuffle2(const torch::Tensor& x) {
    if (!row_wise(x) || x.size(1) % 4 != 0) return torch::pixel_shuffle(x, 2);
    auto out = torch::empty({x.size(0), x.size(1) / 4, 2 * x.size(2), 2 * x.size(3)}, x.options());
    move_rows(out, x, /*split=*/false);
    return out;
}

}  // namespace stylecam
