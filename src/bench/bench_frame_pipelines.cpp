/// Frame in, frame out (CV_8UC3 BGR → CV_8UC3 BGR, image conversion included) through each
/// runner of the same network: LibTorch fp32, LibTorch bf16 and OpenCV DNN (the ONNX path) — the
/// peers compared in one run. Needs ../shared/weights; skipped with a message otherwise.

#include "bench/bench_sizes.h"
#include "stylize/style_network.h"

#include <stylecam_build_paths.h>

#include <opencv2/core.hpp>

#include <filesystem>

namespace stylecam {
namespace {

void run_frames(benchmark::State& state, const std::string& relative_model, Precision precision) {
    const std::string model = std::string(STYLECAM_SHARED_DIR) + "/weights/" + relative_model;
    if (!std::filesystem::exists(model)) {
        state.SkipWithError(("needs " + model).c_str());
        return;
    }
    cv::setNumThreads(static_cast<int>(torch::get_num_threads()));
    auto network = open_style_network(model, NetworkOptions{DeviceKind::Cpu, precision});
    cv::Mat frame(static_cast<int>(state.range(1)), static_cast<int>(state.range(0)), CV_8UC3);
    cv::randu(frame, 0, 255);
    network->run(frame);  // warm-up: first-call allocations and kernel selection
    for (auto _ : state) {
        auto output = network->run(frame);
        benchmark::DoNotOptimize(output.data);
    }
    state.counters["fps"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Frame_Torch_CPU_FP32(benchmark::State& state) {
    run_frames(state, "styles/mosaic.safetensors", Precision::Fp32);
}
void BM_Frame_Torch_CPU_BF16(benchmark::State& state) {
    run_frames(state, "styles/mosaic.safetensors", Precision::Bf16);
}
void BM_Frame_OpenCvDnn_CPU_FP32(benchmark::State& state) {
    run_frames(state, "onnx/mosaic.onnx", Precision::Fp32);
}

BENCHMARK(BM_Frame_Torch_CPU_FP32)->Apply(frame_sizes);
BENCHMARK(BM_Frame_Torch_CPU_BF16)->Apply(frame_sizes);
BENCHMARK(BM_Frame_OpenCvDnn_CPU_FP32)->Apply(frame_sizes);

}  // namespace
}  // namespace stylecam
