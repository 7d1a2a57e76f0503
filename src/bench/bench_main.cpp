/// Benchmark executable: ms per frame of the style networks. Uses every core by default
/// (STYLECAM_THREADS overrides), like the program does.

#include "core/device.h"

#include <benchmark/benchmark.h>

#include <cstdlib>

int main(int argc, char** argv) {
    const char* threads = std::getenv("STYLECAM_THREADS");
    stylecam::set_cpu_threads(threads ? std::atoi(threads) : 0);
    benchmark::AddCustomContext("torch_threads", std::to_string(torch::get_num_threads()));
    benchmark::AddCustomContext("cuda", stylecam::cuda_available() ? "available" : "not available");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
