/// The project's default styles end to end at the live size: a 640×480 CV_8UC3 BGR frame in, the
/// stylized frame out, through the `Stylizer` that `live` and `stylize` use (padding, conversion,
/// network) — each committed student beside its teacher from ../shared/weights, in the same
/// run. Skipped with a message when a file is missing.

#include "bench/bench_stylizer_loop.h"
#include "stylize/stylizer.h"

#include <stylecam_build_paths.h>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>

#include <filesystem>
#include <string>

namespace stylecam {
namespace {

void run_style(benchmark::State& state, const std::string& model, Precision precision) {
    if (!std::filesystem::exists(model)) {
        state.SkipWithError(("needs " + model).c_str());
        return;
    }
    cv::setNumThreads(static_cast<int>(torch::get_num_threads()));
    StylizerOptions options;
    options.network = NetworkOptions{DeviceKind::Cpu, precision};
    Stylizer stylizer(model, options);
    time_stylizer_640x480(state, stylizer);
}

/// state.range(0): 0 = the committed student fp32, 1 = student bf16, 2 = the teacher fp32.
void BM_DefaultStyle_640x480(benchmark::State& state, const char* style) {
    const std::string student =
                          std::string(STYLECAM_PROJECT_MODELS_DIR) + "/" + style + ".safetensors",
                      teacher = std::string(STYLECAM_SHARED_DIR) + "/weights/styles/" + style +
                                ".safetensors";
    const int64_t which = state.range(0);
    state.SetLabel(which == 0 ? "student fp32" : which == 1 ? "student bf16" : "teacher fp32");
    run_style(state, which == 2 ? teacher : student,
              which == 1 ? Precision::Bf16 : Precision::Fp32);
}

void default_style_args(benchmark::internal::Benchmark* bench) {
    bench->ArgName("model")->Arg(0)->Arg(1)->Arg(2);
    bench->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
}

BENCHMARK_CAPTURE(BM_DefaultStyle_640x480, candy, "candy")->Apply(default_style_args);
BENCHMARK_CAPTURE(BM_DefaultStyle_640x480, mosaic, "mosaic")->Apply(default_style_args);
BENCHMARK_CAPTURE(BM_DefaultStyle_640x480, udnie, "udnie")->Apply(default_style_args);
BENCHMARK_CAPTURE(BM_DefaultStyle_640x480, rain_princess, "rain_princess")
    ->Apply(default_style_args);
BENCHMARK_CAPTURE(BM_DefaultStyle_640x480, pointilism, "pointilism")->Apply(default_style_args);

}  // namespace
}  // namespace stylecam
