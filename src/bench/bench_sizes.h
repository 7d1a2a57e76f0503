#pragma once
/// The frame sizes every network benchmark runs at (width, height).

#include <benchmark/benchmark.h>

namespace stylecam {

inline void frame_sizes(benchmark::internal::Benchmark* bench) {
    bench->ArgNames({"w", "h"});
    bench->Args({320, 240})->Args({640, 480})->Args({1280, 720});
    bench->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
}

}  // namespace stylecam
