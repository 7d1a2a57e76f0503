/// The arbitrary-style network (MicroAST) at the live size, in the same run:
/// - BM_MicroAst_Stylizer: a 640×480 CV_8UC3 frame in, the stylized frame out, through the
///   `Stylizer` that `live` and `stylize` use, per precision and inference scale (what a user
///   gets; the precision's dtype and layout are `microast_run_options`'),
/// - BM_MicroAst_Network: the content encoder and decoder alone on a 1×3×480×640 tensor, per
///   dtype and memory layout (what was tried for speed),
/// - BM_MicroAst_LayerKind: one layer of each kind at the resolution it runs at, per dtype and
///   layout (where the time goes),
/// - BM_MicroAst_StyleCode: a new painting's code at 512 px (shorter side), nothing cached.
/// Skipped with a message when the weights or the painting are missing.

#include "bench/bench_stylizer_loop.h"
#include "core/cpu_features.h"
#include "nets/microast.h"
#include "nets/upsample_pad.h"
#include "stylize/stylizer.h"

#include <stylecam_build_paths.h>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>

#include <filesystem>
#include <string>

namespace stylecam {
namespace {

const std::string kWeights = std::string(STYLECAM_SHARED_DIR) + "/weights/microast.safetensors";
const std::string kPainting = std::string(STYLECAM_SHARED_DIR) + "/paintings/udnie.jpg";

bool have_files(benchmark::State& state) {
    for (const auto& file : {kWeights, kPainting}) {
        if (!std::filesystem::exists(file)) {
            state.SkipWithError(("needs " + file).c_str());
            return false;
        }
    }
    return true;
}

/// state.range(0): 0 = fp32, 1 = bf16 (where not native, the network runs fp32 — see the label);
/// state.range(1): inference scale in percent.
void BM_MicroAst_Stylizer(benchmark::State& state) {
    if (!have_files(state)) return;
    cv::setNumThreads(static_cast<int>(torch::get_num_threads()));
    StylizerOptions options;
    options.network =
        NetworkOptions{DeviceKind::Cpu, state.range(0) == 1 ? Precision::Bf16 : Precision::Fp32};
    options.scale = static_cast<double>(state.range(1)) / 100.0;
    options.painting = PaintingStyle::of(kPainting);
    Stylizer stylizer(kWeights, options);
    state.SetLabel(stylizer.describe());
    time_stylizer_640x480(state, stylizer);
}
BENCHMARK(BM_MicroAst_Stylizer)
    ->ArgNames({"bf16", "scale%"})
    ->Args({0, 100})
    ->Args({1, 100})
    ->Args({0, 75})
    ->Args({1, 75})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

/// A fresh copy per benchmark: set_run_options converts the weights in place.
MicroAst loaded_net() { return load_microast(kWeights).net; }

MicroAstRunOptions run_options_of(const benchmark::State& state) {
    MicroAstRunOptions run;
    run.dtype = state.range(0) == 1 ? torch::kBFloat16 : torch::kFloat32;
    run.channels_last = state.range(1) == 1;
    return run;
}

std::string run_label(const MicroAstRunOptions& run) {
    return std::string(run.dtype == torch::kBFloat16
                           ? (cpu_features().native_bf16() ? "bf16" : "bf16 (emulated)")
                           : "fp32") +
           (run.channels_last ? " channels-last" : " channels-first");
}

/// state.range(0): 0 = fp32, 1 = bf16; state.range(1): 1 = channels-last.
void BM_MicroAst_Network(benchmark::State& state) {
    if (!have_files(state)) return;
    torch::NoGradGuard no_grad;
    auto net = loaded_net();
    const auto code = net->style_code(torch::rand({1, 3, 512, 512}));
    const auto run = run_options_of(state);
    net->set_run_options(run);
    state.SetLabel(run_label(run));
    const auto frame = torch::rand({1, 3, 480, 640});
    net->forward(frame, code);
    for (auto _ : state) benchmark::DoNotOptimize(net->forward(frame, code).data_ptr());
    set_fps_counter(state);
}

void dtype_layout_args(benchmark::internal::Benchmark* bench) {
    bench->ArgNames({"bf16", "channels_last"});
    for (int bf16 : {0, 1})
        for (int last : {0, 1}) bench->Args({bf16, last});
    bench->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
}
BENCHMARK(BM_MicroAst_Network)->Apply(dtype_layout_args);

/// The layer kinds of the published network at the sizes they run at for a 640×480 frame:
/// 0 = the 9×9 3→16 convolution at full size, 1 = a stride-2 grouped 3×3 (32 channels, groups
/// 32, at 1/2 size), 2 = a 1×1 64→64 at 1/4 size, 3 = a dense 3×3 64→64 (the residual blocks)
/// at 1/4 size, 4 = the decoder's last 9×9 16→3 at full size, 5 = the same folded 4×4 into
/// channels as the network runs it in channels-last. Each with its reflection pad.
void BM_MicroAst_LayerKind(benchmark::State& state, int kind) {
    torch::NoGradGuard no_grad;
    const auto run = run_options_of(state);
    int64_t in = 3, out = 16, kernel = 9, stride = 1, groups = 1, h = 480, w = 640;
    if (kind == 1) in = out = groups = 32, kernel = 3, stride = 2, h = 240, w = 320;
    if (kind == 2) in = out = 64, kernel = 1, h = 120, w = 160;
    if (kind == 3) in = out = 64, kernel = 3, h = 120, w = 160;
    if (kind == 4 || kind == 5) in = 16, out = 3;
    MicroAstConv conv(in, out, kernel, stride, groups);
    conv->to(run.dtype);
    auto x = torch::rand({1, in, h, w}).to(run.dtype);
    if (run.channels_last) {
        conv->conv()->weight.set_data(
            conv->conv()->weight.contiguous(torch::MemoryFormat::ChannelsLast));
        x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    state.SetLabel(run_label(run));
    if (kind == 5) {  // the decoder's last conv as the network runs it: folded 4×4 (folded_conv.h)
        const auto folded = fold_conv(conv->conv()->weight, conv->conv()->bias, 4);
        for (auto _ : state)
            benchmark::DoNotOptimize(folded_conv2d(reflection_pad(x, 4), folded).data_ptr());
        return;
    }
    conv->forward(x);
    for (auto _ : state) benchmark::DoNotOptimize(conv->forward(x).data_ptr());
}
BENCHMARK_CAPTURE(BM_MicroAst_LayerKind, conv9x9_full, 0)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_LayerKind, conv9x9_to_rgb_full, 4)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_LayerKind, conv9x9_to_rgb_full_folded, 5)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_LayerKind, grouped3x3_s2_half, 1)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_LayerKind, conv1x1_quarter, 2)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_LayerKind, conv3x3_quarter, 3)->Apply(dtype_layout_args);

/// The element-wise work between the convolutions on a full-size 16-channel map (the decoder's
/// last stage): 0 = ReLU in place, 1 = the 9×9 conv's reflection pad (4), 2 = LibTorch's bilinear
/// ×2 of a 32-channel half-size map (what dec3.6 reads), 3 = the same ×2 with dec3.6's reflection
/// pad in one pass, as the decoder runs it (upsample_pad.h).
void BM_MicroAst_Elementwise(benchmark::State& state, int kind) {
    torch::NoGradGuard no_grad;
    const auto run = run_options_of(state);
    const int64_t channels = kind >= 2 ? 32 : 16, h = kind >= 2 ? 240 : 480, w = h * 4 / 3;
    auto x = torch::rand({1, channels, h, w}).to(run.dtype);
    if (run.channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    state.SetLabel(run_label(run));
    for (auto _ : state) {
        if (kind == 0) benchmark::DoNotOptimize(x.relu_().data_ptr());
        if (kind == 1) benchmark::DoNotOptimize(reflection_pad(x, 4).data_ptr());
        if (kind == 2)
            benchmark::DoNotOptimize(
                torch::upsample_bilinear2d(x, {2 * h, 2 * w}, false).data_ptr());
        if (kind == 3) benchmark::DoNotOptimize(upsample2_bilinear_padded(x, 1).data_ptr());
    }
}
BENCHMARK_CAPTURE(BM_MicroAst_Elementwise, relu_full, 0)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_Elementwise, reflection_pad4_full, 1)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_Elementwise, upsample2_to_full, 2)->Apply(dtype_layout_args);
BENCHMARK_CAPTURE(BM_MicroAst_Elementwise, upsample2_padded_to_full, 3)->Apply(dtype_layout_args);

/// A new painting (512×683, as `--style-size 512` makes a 3:4 painting) to its style code.
void BM_MicroAst_StyleCode(benchmark::State& state) {
    if (!have_files(state)) return;
    torch::NoGradGuard no_grad;
    auto net = loaded_net();
    const auto run = run_options_of(state);
    net->set_run_options(run);
    state.SetLabel(run_label(run));
    const auto painting = torch::rand({1, 3, 512, 683});
    net->style_code(painting);
    for (auto _ : state) benchmark::DoNotOptimize(net->style_code(painting).mean1.data_ptr());
}
BENCHMARK(BM_MicroAst_StyleCode)->Apply(dtype_layout_args);

}  // namespace
}  // namespace stylecam
