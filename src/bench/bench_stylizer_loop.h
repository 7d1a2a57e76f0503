#pragma once
/// The timing loop of benchmarks that run a whole `Stylizer` on a live-size frame.

#include "stylize/stylizer.h"

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>

namespace stylecam {

/// Counter "fps": iterations per second of wall-clock time.
inline void set_fps_counter(benchmark::State& state) {
    state.counters["fps"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// Times `stylizer` on one random 640×480 CV_8UC3 frame, after a warm-up call (first-call
/// allocations and kernel selection), and sets the fps counter.
inline void time_stylizer_640x480(benchmark::State& state, Stylizer& stylizer) {
    cv::Mat frame(480, 640, CV_8UC3);
    cv::randu(frame, 0, 255);
    stylizer.stylize(frame);
    for (auto _ : state) {
        auto output = stylizer.stylize(frame);
        benchmark::DoNotOptimize(output.data);
    }
    set_fps_counter(state);
}

}  // namespace stylecam
