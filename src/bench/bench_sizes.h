#pragma once
/// The frame sizes every network benchmark runs at (width, height).

#include <benchmark/benchmark.h>

namespace stylecam {

/// Sizes and unit only: for benchmarks that time themselves (manual time).
inline void frame_size_args(benchmark::internal::Benchmark* bench) {
    bench->ArgNames({"w", "h"});
    bench->Args({320, 240})->Args({640, 480})->Args({1280, 720});
    bench->Unit(benchmark::kMillisecond);
}

/// Sizes, wall-clock time (the work runs on several threads), and at least 2 s per size.
inline void frame_sizes(benchmark::internal::Benchmark* bench) {
    frame_size_args(bench);
    bench->UseRealTime()->MinTime(2.0);
}

}  // namespace stylecam
