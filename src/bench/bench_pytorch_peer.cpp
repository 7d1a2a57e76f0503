/// The peer: the same network in Python/PyTorch (the PyTorch examples' code, Debian's
/// python3-torch), timed by the peer script itself per forward pass and reported here through
/// manual time, so that one run of this executable compares LibTorch-in-StyleCam with PyTorch at
/// the same sizes, threads and precision. Skipped when /usr/bin/python3 has no torch. The CUDA
/// peers run when this LibTorch sees a GPU (and the interpreter's torch has CUDA).

#include "bench/bench_python.h"
#include "bench/bench_sizes.h"
#include "core/device.h"

#include <stylecam_build_paths.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

namespace stylecam {
namespace {

void run_peer(benchmark::State& state, const std::string& precision) {
    const std::string model =
        std::string(STYLECAM_SHARED_DIR) + "/weights/styles/mosaic.safetensors";
    const std::string script =
        std::string(STYLECAM_SOURCE_DIR) + "/tests/peers/pytorch_fast_neural_style.py";
    if (!std::filesystem::exists(model) || !python_peer_available()) {
        state.SkipWithError("needs ../shared/weights and python3-torch");
        return;
    }
    if (precision.rfind("cuda", 0) == 0 && !cuda_available()) {
        state.SkipWithError("CUDA not available");
        return;
    }
    run_python_peer(state, script + " time " + model + " " + std::to_string(state.range(0)) + " " +
                               std::to_string(state.range(1)) + " " + precision + " " +
                               std::to_string(state.max_iterations) + " " +
                               std::to_string(torch::get_num_threads()));
    state.counters["fps"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void peer_sizes(benchmark::internal::Benchmark* bench) {
    frame_size_args(bench);
    bench->UseManualTime()->Iterations(5);
}

/// A GPU frame takes milliseconds: more iterations for a steady figure.
void cuda_peer_sizes(benchmark::internal::Benchmark* bench) {
    frame_size_args(bench);
    bench->UseManualTime()->Iterations(100);
}

void BM_Peer_PyTorch_CPU_FP32(benchmark::State& state) { run_peer(state, "fp32"); }
void BM_Peer_PyTorch_CPU_BF16(benchmark::State& state) { run_peer(state, "bf16"); }
void BM_Peer_PyTorch_CUDA_FP32(benchmark::State& state) { run_peer(state, "cuda-fp32"); }
void BM_Peer_PyTorch_CUDA_FP16(benchmark::State& state) { run_peer(state, "cuda-fp16"); }

BENCHMARK(BM_Peer_PyTorch_CPU_FP32)->Apply(peer_sizes);
BENCHMARK(BM_Peer_PyTorch_CPU_BF16)->Apply(peer_sizes);
BENCHMARK(BM_Peer_PyTorch_CUDA_FP32)->Apply(cuda_peer_sizes);
BENCHMARK(BM_Peer_PyTorch_CUDA_FP16)->Apply(cuda_peer_sizes);

}  // namespace
}  // namespace stylecam
