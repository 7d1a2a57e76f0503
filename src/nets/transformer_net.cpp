#include "nets/transformer_net.h"

#include "core/device.h"
#include "core/error.h"
#include "nets/border_pad.h"
#include "nets/instance_norm_relu.h"
#include "nets/norm_timeline.h"
#include "nets/pixel_shuffle2.h"

#include <cstdio>

namespace stylecam {
namespace {

torch::nn::InstanceNorm2d instance_norm(int64_t channels) {
    return torch::nn::InstanceNorm2d(
        torch::nn::InstanceNorm2dOptions(channels).eps(1e-5).affine(true).track_running_stats(
            false));
}

/// Nearest ×2 upsampling, reflection padding of 1 and a 3×3 convolution (stride 1), computed at
/// the input's resolution: the same function with 16 instead of 36 multiply-adds per input pixel
/// and channel pair, and without the four-times-larger upsampled copy. Output pixel (2i+a, 2j+b)
/// sees input rows i-1, i (a = 0; row taps w0 and w1+w2) or i, i+1 (a = 1; w0+w1 and w2), and
/// the same for columns; reflecting the upsampled map by 1 pixel equals replicating the input
/// by 1. Four 2×2 convolutions, one per output phase, interleaved.
torch::Tensor upsample2_conv3x3(const torch::Tensor& x, const torch::Tensor& weight,
                                const torch::Tensor& bias) {
    const auto fold = [](const torch::Tensor& w, int64_t dim, int64_t phase) {
        const auto t0 = w.select(dim, 0), t1 = w.select(dim, 1), t2 = w.select(dim, 2);
        return phase == 0 ? torch::stack({t0, t1 + t2}, dim) : torch::stack({t0 + t1, t2}, dim);
    };
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3), out = weight.size(0);
    const auto padded = replication_pad(x, 1);
    std::vector<torch::Tensor> phases;
    for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b) {
            const auto kernel = fold(fold(weight, 2, a), 3, b);
            const auto window = padded.narrow(2, a, h + 1).narrow(3, b, w + 1);
            phases.push_back(torch::conv2d(window, kernel, bias));
        }
    // phases[2a + b][n][o][i][j] → out[n][o][2i + a][2j + b]
    return torch::stack(phases, 2)
        .view({n, out, 2, 2, h, w})
        .permute({0, 1, 4, 2, 5, 3})
        .reshape({n, out, 2 * h, 2 * w});
}

/// relu(norm(x)), or norm(x): one fused kernel at inference on float32 and bf16 CPU maps, the
/// module (LibTorch's operators) otherwise, so that training computes exactly what it always did.
/// A video `frame` at inference normalizes by the statistics its timeline gives.
torch::Tensor normalize(torch::nn::InstanceNorm2d& norm, const torch::Tensor& x, NormFrame* frame,
                        bool relu = true) {
    if (frame && frame->timeline && !torch::GradMode::is_enabled()) {
        const auto used = frame->timeline->blend(frame->index, frame->layer++,
                                                 instance_statistics(x), x.size(2), x.size(3));
        return instance_norm_relu(x, norm->weight, norm->bias, norm->options.eps(), relu, used);
    }
    if (!instance_norm_fusable(x)) return relu ? torch::relu(norm(x)) : norm(x);
    return instance_norm_relu(x, norm->weight, norm->bias, norm->options.eps(), relu);
}

}  // namespace

ConvLayerImpl::ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                             int64_t upsample, int64_t groups)
    : upsample_(upsample) {
    pad_ = register_module("reflection_pad", torch::nn::ReflectionPad2d(kernel / 2));
    conv2d_ = register_module(
        "conv2d",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).groups(groups)));
}

torch::Tensor ConvLayerImpl::forward(torch::Tensor x) {
    if (round_to_bf16_) x = round_to_bf16(x);  // before the upsampling copy: 1/4 of the work
    torch::Tensor y;
    const auto& conv = conv2d_->options;
    if (upsample_ == 2 && conv.kernel_size()->at(0) == 3 && conv.stride()->at(0) == 1 &&
        conv.groups() == 1 && !torch::GradMode::is_enabled()) {
        y = upsample2_conv3x3(x, conv2d_->weight, conv2d_->bias);  // inference: same function
    } else {
        if (upsample_ > 1)
            x = torch::upsample_nearest2d(x, {x.size(2) * upsample_, x.size(3) * upsample_});
        // CPU inference pads with bulk copies (same values); training keeps LibTorch's
        // differentiable pad, and a GPU its one pad kernel (the copies would be 2 + 4·pad
        // kernel launches).
        const int64_t pad = conv.kernel_size()->at(0) / 2;
        const bool bulk = !torch::GradMode::is_enabled() && x.device().is_cpu();
        y = conv2d_(bulk ? reflection_pad(x, pad) : pad_(x));
    }
    return round_to_bf16_ ? round_to_bf16(y) : y;
}

ResidualBlockImpl::ResidualBlockImpl(int64_t channels, bool separable) {
    const int64_t groups = separable ? channels : 1;
    conv1_ = register_module("conv1", ConvLayer(channels, channels, 3, 1, 1, groups));
    if (separable)
        pw1_ = register_module(
            "pw1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 1).bias(false)));
    in1_ = register_module("in1", instance_norm(channels));
    conv2_ = register_module("conv2", ConvLayer(channels, channels, 3, 1, 1, groups));
    if (separable)
        pw2_ = register_module(
            "pw2", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, channels, 1).bias(false)));
    in2_ = register_module("in2", instance_norm(channels));
}

torch::Tensor ResidualBlockImpl::forward(torch::Tensor x, NormFrame* frame) {
    auto y = conv1_(x);
    if (pw1_) y = pw1_(y);
    y = conv2_(normalize(in1_, y, frame));
    if (pw2_) y = pw2_(y);
    return x + normalize(in2_, y, frame, /*relu=*/false);
}

TransformerNetImpl::TransformerNetImpl(TransformerNetOptions options) : options_(options) {
    const int64_t c = options.channels();
    STYLECAM_CHECK(c > 0 && c <= 1024, "TransformerNet: channels must be in 1..1024, got ", c);
    STYLECAM_CHECK(options.residual_blocks() >= 0 && options.residual_blocks() <= 64,
                   "TransformerNet: residual_blocks must be in 0..64, got ",
                   options.residual_blocks());
    const int64_t k = options.outer_kernel();
    STYLECAM_CHECK(k >= 1 && k <= 15 && k % 2 == 1,
                   "TransformerNet: outer_kernel must be odd, 1..15, got ", k);
    const int64_t s = options.pixel_shuffle();
    STYLECAM_CHECK(s >= 1 && s <= 4, "TransformerNet: pixel_shuffle must be in 1..4, got ", s);
    conv1_ = register_module("conv1", ConvLayer(3 * s * s, c, k, 1));
    in1_ = register_module("in1", instance_norm(c));
    conv2_ = register_module("conv2", ConvLayer(c, 2 * c, 3, 2));
    in2_ = register_module("in2", instance_norm(2 * c));
    conv3_ = register_module("conv3", ConvLayer(2 * c, 4 * c, 3, 2));
    in3_ = register_module("in3", instance_norm(4 * c));
    for (int64_t i = 1; i <= options.residual_blocks(); ++i)
        residuals_.push_back(register_module("res" + std::to_string(i),
                                             ResidualBlock(4 * c, options.separable_residuals())));
    deconv1_ = register_module("deconv1", ConvLayer(4 * c, 2 * c, 3, 1, 2));
    in4_ = register_module("in4", instance_norm(2 * c));
    deconv2_ = register_module("deconv2", ConvLayer(2 * c, c, 3, 1, 2));
    in5_ = register_module("in5", instance_norm(c));
    deconv3_ = register_module("deconv3", ConvLayer(c, 3 * s * s, k, 1));
}

torch::Tensor TransformerNetImpl::forward(torch::Tensor x, NormFrame* frame) {
    STYLECAM_CHECK(x.dim() == 4 && x.size(1) == 3, "TransformerNet: expected N×3×H×W input, got ",
                   x.sizes());
    const int64_t multiple = options_.size_multiple(), min_side = options_.min_side();
    STYLECAM_CHECK(x.size(2) % multiple == 0 && x.size(3) % multiple == 0 &&
                       x.size(2) >= min_side && x.size(3) >= min_side,
                   "TransformerNet: height and width must be multiples of ", multiple,
                   " and at least ", min_side, ", got ", x.size(2), "×", x.size(3));
    const int64_t s = options_.pixel_shuffle();
    // ×2 (un)shuffles by row-wise copies at inference; training keeps LibTorch's operators.
    const bool inference = !torch::GradMode::is_enabled();
    if (s > 1) x = s == 2 && inference ? pixel_unshuffle2(x) : torch::pixel_unshuffle(x, s);
    if (frame) frame->layer = 0;
    auto y = normalize(in1_, conv1_(x), frame);
    y = normalize(in2_, conv2_(y), frame);
    y = normalize(in3_, conv3_(y), frame);
    // Separable blocks run channels-last on the CPU at inference: LibTorch 1.13's depthwise
    // convolution is several times faster in that layout (oneDNN's kernel instead of its own).
    const bool channels_last =
        inference && y.device().is_cpu() && options_.separable_residuals() && !residuals_.empty();
    if (channels_last) y = y.contiguous(torch::MemoryFormat::ChannelsLast);
    for (auto& block : residuals_) y = block->forward(y, frame);
    if (channels_last) y = y.contiguous();
    y = normalize(in4_, deconv1_(y), frame);
    y = normalize(in5_, deconv2_(y), frame);
    y = deconv3_(y);
    if (s == 1) return y;
    return s == 2 && inference ? pixel_shuffle2(y) : torch::pixel_shuffle(y, s);
}

void TransformerNetImpl::emulate_bf16() {
    torch::NoGradGuard no_grad;
    for (auto& parameter : parameters()) parameter.copy_(round_to_bf16(parameter));
    // Instance norms and additions stay fp32, as autocast keeps them; only convolutions round.
    for (auto& module : modules(/*include_self=*/false))
        if (auto* conv = module->as<ConvLayerImpl>()) conv->set_round_to_bf16(true);
}

TransformerNetOptions architecture_options(const std::string& name) {
    if (name == "full") return TransformerNetOptions();
    if (name == "fast") return architecture_options(kFastArchitecture);
    // "c16-r3-k5-s2[-dw]": channels, residual blocks, outer kernel, pixel shuffle, separable.
    TransformerNetOptions options;
    int64_t c = 0, r = -1, k = 0, s = 0;
    int used = 0;
    const bool parsed =
        std::sscanf(name.c_str(), "c%ld-r%ld-k%ld-s%ld%n", &c, &r, &k, &s, &used) == 4;
    const std::string tail = parsed ? name.substr(static_cast<size_t>(used)) : "";
    const bool separable = tail == "-dw";
    STYLECAM_CHECK(parsed && (tail.empty() || separable), "--arch: unknown architecture '", name,
                   "' (expected full, fast or a spec like c16-r3-k5-s2 or c16-r3-k5-s2-dw)");
    return options.channels(c)
        .residual_blocks(r)
        .outer_kernel(k)
        .pixel_shuffle(s)
        .separable_residuals(separable);
}

std::string architecture_spec(const TransformerNetOptions& options) {
    return "c" + std::to_string(options.channels()) + "-r" +
           std::to_string(options.residual_blocks()) + "-k" +
           std::to_string(options.outer_kernel()) + "-s" + std::to_string(options.pixel_shuffle()) +
           (options.separable_residuals() ? "-dw" : "");
}

}  // namespace stylecam
