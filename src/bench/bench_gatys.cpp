/// Time per L-BFGS iteration of `stylecam optimize` (fruits.jpg content, starry_night.jpg style,
/// the shared VGG19 file: content relu2_2, style relu1_1,relu2_1,relu3_1) at 256 and 512 px,
/// with the loss network in fp32 and in bf16 (bf16:1 runs fp32 where bf16 is not native; see
/// resolve_loss_precision), beside the same loop in Python/PyTorch (tests/peers/pytorch_gatys.py,
/// fp32) timed in the same run.

#include "bench/bench_python.h"
#include "optimize/gatys_optimizer.h"

#include <stylecam_build_paths.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

namespace stylecam {
namespace {

std::string vgg_file() {
    return std::string(STYLECAM_SHARED_DIR) + "/weights/vgg19-conv1_1-conv3_4.safetensors";
}
std::string sample(const char* name) { return std::string(STYLECAM_SAMPLE_DATA_DIR) + "/" + name; }

void BM_Gatys_LBFGS_Iteration(benchmark::State& state) {
    if (!std::filesystem::exists(vgg_file()) || !std::filesystem::exists(sample("fruits.jpg"))) {
        state.SkipWithError("needs ../shared/weights and opencv-doc");
        return;
    }
    const int size = static_cast<int>(state.range(0));
    GatysOptions options;
    options.scales = {size};
    options.content_layers = parse_layer_list("relu2_2");
    options.style_layers = parse_layer_list("relu1_1,relu2_1,relu3_1");
    options.iterations = static_cast<int>(state.max_iterations) + 1;  // +1: warm-up
    options.precision = state.range(1) ? Precision::Bf16 : Precision::Fp32;
    GatysOptimizer optimizer(Vgg19Features(vgg_file()), options);
    GatysCallbacks callbacks;
    const cv::Mat content = cv::imread(sample("fruits.jpg")),
                  style = cv::imread(sample("starry_night.jpg"));
    const auto result = optimizer.run(content, style, callbacks);
    // history[k].seconds is the wall time of iteration k; skip the warm-up (k = 1).
    size_t k = 2;
    for (auto _ : state) state.SetIterationTime(result.history.at(k++).seconds);
}

void BM_Peer_PyTorch_Gatys_LBFGS_Iteration(benchmark::State& state) {
    const std::string script = std::string(STYLECAM_SOURCE_DIR) + "/tests/peers/pytorch_gatys.py";
    if (!std::filesystem::exists(vgg_file()) || !python_peer_available()) {
        state.SkipWithError("needs ../shared/weights and python3-torch");
        return;
    }
    run_python_peer(state, script + " time " + vgg_file() + " " + sample("fruits.jpg") + " " +
                               sample("starry_night.jpg") + " " + std::to_string(state.range(0)) +
                               " " + std::to_string(state.max_iterations) + " " +
                               std::to_string(torch::get_num_threads()));
}

void sizes(benchmark::internal::Benchmark* bench) {
    bench->ArgName("px")->Arg(256)->Arg(512)->UseManualTime()->Iterations(10)->Unit(
        benchmark::kMillisecond);
}

void sizes_and_precisions(benchmark::internal::Benchmark* bench) {
    bench->ArgNames({"px", "bf16"})
        ->ArgsProduct({{256, 512}, {0, 1}})
        ->UseManualTime()
        ->Iterations(10)
        ->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Gatys_LBFGS_Iteration)->Apply(sizes_and_precisions);
BENCHMARK(BM_Peer_PyTorch_Gatys_LBFGS_Iteration)->Apply(sizes);

}  // namespace
}  // namespace stylecam
