/// The same network through OpenCV DNN (the ONNX path) at the same sizes: the peer that the
/// LibTorch figures are compared with in one run.

#include "bench/bench_sizes.h"
#include "stylize/onnx_style_network.h"

#include <stylecam_build_paths.h>

#include <opencv2/core.hpp>

#include <filesystem>

namespace stylecam {
namespace {

void BM_OpenCvDnn_CPU_FP32(benchmark::State& state) {
    const std::string model = std::string(STYLECAM_SHARED_DIR) + "/weights/onnx/mosaic.onnx";
    if (!std::filesystem::exists(model)) {
        state.SkipWithError("needs ../shared/weights/onnx/mosaic.onnx");
        return;
    }
    cv::setNumThreads(static_cast<int>(torch::get_num_threads()));
    OnnxStyleNetwork network(model, NetworkOptions{DeviceKind::Cpu, Precision::Fp32});
    cv::Mat frame(static_cast<int>(state.range(1)), static_cast<int>(state.range(0)), CV_8UC3);
    cv::randu(frame, 0, 255);
    for (auto _ : state) {
        auto output = network.run(frame);
        benchmark::DoNotOptimize(output.data);
    }
    state.counters["fps"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                               benchmark::Counter::kIsRate);
}

BENCHMARK(BM_OpenCvDnn_CPU_FP32)->Apply(frame_sizes);

}  // namespace
}  // namespace stylecam
