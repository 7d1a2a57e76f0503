/// The full transformer net on random frames, per device and precision: LibTorch only, so it
/// also builds with -DSTYLECAM_TORCH_ONLY=ON on a machine that has a CUDA LibTorch and nothing
/// else. Weights: a real style when ../shared is present (timing does not depend on them).

#include "bench/bench_sizes.h"
#include "core/device.h"
#include "nets/border_pad.h"
#include "nets/model_file.h"

#include <stylecam_build_paths.h>

#include <filesystem>

namespace stylecam {
namespace {

const std::string kMosaicTeacher =
    std::string(STYLECAM_SHARED_DIR) + "/weights/styles/mosaic.safetensors";
/// The committed udnie student: the default styles' architecture (c16-r4-k3-s2-dw; candy and mosaic
/// are wider, c24).
const std::string kDefaultStudent = std::string(STYLECAM_PROJECT_MODELS_DIR) + "/udnie.safetensors";

/// The model file's net, or the full architecture with random weights when the file is absent.
TransformerNet make_net(const std::string& path) {
    if (std::filesystem::exists(path)) return load_transformer_net(path).net;
    return TransformerNet();
}

void run_network(benchmark::State& state, torch::Device device, Precision precision,
                 const std::string& model = kMosaicTeacher) {
    if (device.is_cuda() && !cuda_available()) {
        state.SkipWithError("CUDA not available");
        return;
    }
    torch::NoGradGuard no_grad;
    const auto dtype = storage_dtype(precision, device);
    auto net = make_net(model);
    net->to(device, dtype);
    net->eval();
    const auto input =
        torch::rand({1, 3, state.range(1), state.range(0)}).mul(255).to(device, dtype);
    const CpuAutocast autocast(device.is_cpu() && precision == Precision::Bf16);
    const auto warm_up = net->forward(input);  // first-call allocations and kernel selection
    if (device.is_cuda()) {  // the GPU's result against the CPU's fp32 one, in 0..255 units
        auto reference = make_net(model);
        reference->eval();
        const auto cpu = reference->forward(input.cpu().to(torch::kFloat32));
        state.counters["mean_abs_vs_cpu"] =
            (warm_up.cpu().to(torch::kFloat32) - cpu).abs().mean().item<double>();
    }
    for (auto _ : state) {
        auto output = net->forward(input);
        if (device.is_cuda()) output = output.cpu();  // synchronizes
        benchmark::DoNotOptimize(output.data_ptr());
    }
    state.counters["fps"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_TransformerNet_CPU_FP32(benchmark::State& state) {
    run_network(state, torch::kCPU, Precision::Fp32);
}
void BM_TransformerNet_CPU_BF16(benchmark::State& state) {
    run_network(state, torch::kCPU, Precision::Bf16);
}
void BM_TransformerNet_CUDA_FP32(benchmark::State& state) {
    run_network(state, torch::Device(torch::kCUDA, 0), Precision::Fp32);
}
void BM_TransformerNet_CUDA_FP16(benchmark::State& state) {
    run_network(state, torch::Device(torch::kCUDA, 0), Precision::Fp16);
}
void BM_DefaultStudent_CUDA_FP32(benchmark::State& state) {
    run_network(state, torch::Device(torch::kCUDA, 0), Precision::Fp32, kDefaultStudent);
}
void BM_DefaultStudent_CUDA_FP16(benchmark::State& state) {
    run_network(state, torch::Device(torch::kCUDA, 0), Precision::Fp16, kDefaultStudent);
}

/// Times `forward` of a randomly initialised net (timing does not depend on the weights) on a
/// width×height input, on the CPU, in bf16 autocast or fp32.
void time_forward(benchmark::State& state, const std::string& spec, int64_t width, int64_t height,
                  bool bf16) {
    torch::NoGradGuard no_grad;
    TransformerNet net(architecture_options(spec));
    net->eval();
    const auto input = torch::rand({1, 3, height, width}).mul(255);
    const CpuAutocast autocast(bf16);
    net->forward(input);
    for (auto _ : state) benchmark::DoNotOptimize(net->forward(input).data_ptr());
    state.counters["fps"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// The "fast" architecture at every frame size.
void BM_FastNet_CPU_FP32(benchmark::State& state) {
    time_forward(state, "fast", state.range(0), state.range(1), false);
}
void BM_FastNet_CPU_BF16(benchmark::State& state) {
    time_forward(state, "fast", state.range(0), state.range(1), true);
}

/// Candidate designs for `--arch fast` at 640×480 (the live size); Arg 1: bf16, 0: fp32.
void BM_Architecture(benchmark::State& state, const char* spec) {
    state.SetLabel(state.range(0) == 1 ? "bf16" : "fp32");
    time_forward(state, spec, 640, 480, state.range(0) == 1);
}
BENCHMARK_CAPTURE(BM_Architecture, c16_r3_k5_s1, "c16-r3-k5-s1")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c16_r3_k5_s2, "c16-r3-k5-s2")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c16_r3_k3_s2, "c16-r3-k3-s2")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c16_r5_k5_s2, "c16-r5-k5-s2")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c24_r3_k5_s2, "c24-r3-k5-s2")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c32_r3_k3_s2, "c32-r3-k3-s2")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c32_r5_k9_s2, "c32-r5-k9-s2")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c16_r3_k3_s4, "c16-r3-k3-s4")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c24_r3_k3_s4, "c24-r3-k3-s4")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c32_r3_k3_s4, "c32-r3-k3-s4")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c32_r4_k3_s4, "c32-r4-k3-s4")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c24_r3_k5_s4, "c24-r3-k5-s4")->Arg(0)->Arg(1);
// Depthwise-separable residual blocks (-dw): the blocks' work falls to 1/7.
BENCHMARK_CAPTURE(BM_Architecture, c16_r3_k5_s2_dw, "c16-r3-k5-s2-dw")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c16_r4_k3_s2_dw, "c16-r4-k3-s2-dw")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c16_r3_k3_s2_dw, "c16-r3-k3-s2-dw")->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_Architecture, c12_r3_k5_s2_dw, "c12-r3-k5-s2-dw")->Arg(0)->Arg(1);

BENCHMARK(BM_FastNet_CPU_FP32)->Apply(frame_sizes);
BENCHMARK(BM_FastNet_CPU_BF16)->Apply(frame_sizes);
BENCHMARK(BM_TransformerNet_CPU_FP32)->Apply(frame_sizes);
BENCHMARK(BM_TransformerNet_CPU_BF16)->Apply(frame_sizes);
/// One reflection pad of 2 on the fast net's largest map (16 channels at 320×240, what its 5×5
/// output convolution pads for a 640×480 frame): LibTorch's operator (Arg 0) against the bulk
/// copies of nets/border_pad (Arg 1).
void BM_ReflectionPad(benchmark::State& state) {
    const auto x = torch::rand({1, 16, 240, 320});
    const bool bulk = state.range(0) == 1;
    state.SetLabel(bulk ? "bulk copies" : "torch::reflection_pad2d");
    for (auto _ : state)
        benchmark::DoNotOptimize(
            (bulk ? reflection_pad(x, 2) : torch::reflection_pad2d(x, {2, 2, 2, 2})).data_ptr());
    state.SetBytesProcessed(state.iterations() * x.numel() * 4);
}
BENCHMARK(BM_ReflectionPad)->Arg(0)->Arg(1);

BENCHMARK(BM_TransformerNet_CUDA_FP32)->Apply(frame_sizes);
BENCHMARK(BM_TransformerNet_CUDA_FP16)->Apply(frame_sizes);
BENCHMARK(BM_DefaultStudent_CUDA_FP32)->Apply(frame_sizes);
BENCHMARK(BM_DefaultStudent_CUDA_FP16)->Apply(frame_sizes);

}  // namespace
}  // namespace stylecam
