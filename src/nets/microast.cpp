#include "nets/microast.h"

#include "core/error.h"
#include "nets/norm_timeline.h"
#include "nets/state_dict.h"
#include "nets/upsample_pad.h"

namespace stylecam {
namespace {

/// A named, parameterless container so that children get the published names ("enc1.0", ...).
std::shared_ptr<torch::nn::Module> container(torch::nn::Module& parent, const std::string& name) {
    return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

torch::Tensor to_layout(const torch::Tensor& x, bool channels_last) {
    return x.contiguous(channels_last ? torch::MemoryFormat::ChannelsLast
                                      : torch::MemoryFormat::Contiguous);
}

/// Added to the variance under the square root of `channel_mean_std`'s std.
constexpr double kStdEpsilon = 1e-5;

/// α·AdaIN(x; mean, std) + (1 − α)·x as one per-channel affine map x·scale + shift, computed in
/// float32 (statistics and arithmetic) and returned in x's dtype and layout. A video `frame`
/// normalizes x by the statistics its timeline carries over instead of x's own.
torch::Tensor adain_blend(const torch::Tensor& x, const torch::Tensor& mean,
                          const torch::Tensor& std, double alpha, NormFrame* frame) {
    auto [x_mean, x_std] = channel_mean_std(x);
    if (frame && frame->timeline && !torch::GradMode::is_enabled()) {
        const int64_t n = x.size(0), c = x.size(1);
        const InstanceStatistics own{x_mean.view({n, c}),
                                     (x_std.square() - kStdEpsilon).view({n, c})};
        const auto used =
            frame->timeline->blend(frame->index, frame->layer++, own, x.size(2), x.size(3));
        x_mean = used.mean.view({n, c, 1, 1});
        // As a ratio to x's own: exactly x_std (the picture's values) when nothing was carried.
        const auto spread = (used.variance + kStdEpsilon) / (own.variance + kStdEpsilon);
        x_std = x_std * spread.sqrt().view({n, c, 1, 1});
    }
    const auto ratio = std / x_std;
    const auto scale = ratio * alpha + (1.0 - alpha);
    const auto shift = (mean - x_mean * ratio) * alpha;
    auto y = x * scale + shift;  // float32: the statistics are float32 tensors
    return y.scalar_type() == x.scalar_type() ? y : y.to(x.scalar_type());
}

}  // namespace

// --- style codes -------------------------------------------------------------------------------

std::vector<torch::Tensor> MicroAstStyleCode::tensors() const {
    return {mean1, std1, mean2, std2, weight1, bias1, weight2, bias2};
}

MicroAstStyleCode MicroAstStyleCode::from_tensors(const std::vector<torch::Tensor>& t) {
    STYLECAM_CHECK(t.size() == 8, "MicroAST style code: expected 8 tensors, got ", t.size());
    return {t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]};
}

MicroAstStyleCode mix_style_codes(const std::vector<MicroAstStyleCode>& codes,
                                  const std::vector<double>& weights) {
    STYLECAM_CHECK(!codes.empty() && codes.size() == weights.size(),
                   "style mix: need one weight per style, got ", codes.size(), " styles and ",
                   weights.size(), " weights");
    double total = 0;
    for (double weight : weights) {
        STYLECAM_CHECK(weight >= 0, "style mix: weights must be >= 0, got ", weight);
        total += weight;
    }
    STYLECAM_CHECK(total > 0, "style mix: the weights add up to 0");
    std::vector<torch::Tensor> mixed;
    for (size_t part = 0; part < 8; ++part) {
        torch::Tensor sum;
        for (size_t i = 0; i < codes.size(); ++i) {
            STYLECAM_CHECK(codes[i].defined(), "style mix: style ", i + 1, " has no code");
            const auto term = codes[i].tensors()[part] * (weights[i] / total);
            sum = sum.defined() ? sum + term : term;
        }
        mixed.push_back(sum);
    }
    return MicroAstStyleCode::from_tensors(mixed);
}

// --- layers ------------------------------------------------------------------------------------

torch::Tensor reflection_pad(const torch::Tensor& x, int64_t pad, bool relu) {
    if (pad == 0) return relu ? torch::relu(x) : x;
    const int64_t h = x.size(2), w = x.size(3);
    STYLECAM_CHECK(h > pad && w > pad, "reflection pad of ", pad, " needs a map larger than ", pad,
                   " pixels, got ", h, "×", w);
    const auto format = x.suggest_memory_format();
    if (x.scalar_type() == torch::kFloat32 && format == torch::MemoryFormat::Contiguous)
        return torch::reflection_pad2d(relu ? torch::relu(x) : x, {pad, pad, pad, pad});
    auto out = torch::empty({x.size(0), x.size(1), h + 2 * pad, w + 2 * pad},
                            x.options().memory_format(format));
    auto inside = out.narrow(2, pad, h).narrow(3, pad, w);
    if (relu)
        at::clamp_min_out(inside, x, 0);
    else
        inside.copy_(x);
    // Rows first (inside the columns of the original), then whole columns (corners included),
    // each copied from the padded map's own interior.
    for (int64_t i = 1; i <= pad; ++i) {
        out.select(2, pad - i).narrow(2, pad, w).copy_(out.select(2, pad + i).narrow(2, pad, w));
        out.select(2, pad + h - 1 + i)
            .narrow(2, pad, w)
            .copy_(out.select(2, pad + h - 1 - i).narrow(2, pad, w));
    }
    for (int64_t j = 1; j <= pad; ++j) {
        out.select(3, pad - j).copy_(out.select(3, pad + j));
        out.select(3, pad + w - 1 + j).copy_(out.select(3, pad + w - 1 - j));
    }
    return out;
}

std::pair<torch::Tensor, torch::Tensor> channel_mean_std(const torch::Tensor& x) {
    // Two passes (mean, then the sum of squared deviations) over a view whose reduced axis is
    // contiguous per channel: 10–15× faster than LibTorch 1.13's var_mean over {2, 3}, which
    // takes a slow Welford path (7.5 ms for 64×120×160 on one core, now 0.5 ms).
    const int64_t n = x.size(0), c = x.size(1), pixels = x.size(2) * x.size(3);
    STYLECAM_CHECK(pixels >= 2, "channel statistics need at least 2 pixels, got ", x.sizes());
    const bool last = x.suggest_memory_format() == torch::MemoryFormat::ChannelsLast;
    const int64_t axis = last ? 1 : 2;
    const auto values =
        (last ? x.permute({0, 2, 3, 1}).reshape({n, pixels, c}) : x.reshape({n, c, pixels}))
            .to(torch::kFloat32);
    const auto mean = values.mean(axis, /*keepdim=*/true);
    const auto deviation = values - mean;
    const auto variance = (deviation * deviation).sum(axis, /*keepdim=*/true) / double(pixels - 1);
    return {mean.reshape({n, c, 1, 1}), (variance + 1e-5).sqrt().reshape({n, c, 1, 1})};
}

MicroAstConvImpl::MicroAstConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                   int64_t groups)
    : pad_(kernel / 2) {
    conv_ = register_module(
        "conv_layer",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).groups(groups)));
}

namespace {

/// `conv`'s convolution (its stride; `groups`, by default its own) with the given weights on an
/// input already padded.
torch::Tensor convolve(const torch::nn::Conv2d& conv, const torch::Tensor& padded,
                       const torch::Tensor& weight, const torch::Tensor& bias, int64_t groups = 0) {
    const std::array<int64_t, 2> no_padding{0, 0}, no_dilation{1, 1};
    return torch::conv2d(padded, weight, bias, conv->options.stride(), no_padding, no_dilation,
                         groups > 0 ? groups : conv->options.groups());
}

}  // namespace

torch::Tensor MicroAstConvImpl::forward(const torch::Tensor& x, bool relu_input) {
    return forward_padded(reflection_pad(x, pad_, relu_input));
}

torch::Tensor MicroAstConvImpl::forward_padded(const torch::Tensor& padded) {
    if (!depthwise_.defined()) return convolve(conv_, padded, conv_->weight, conv_->bias);
    const auto each = convolve(conv_, padded, depthwise_, {}, depthwise_.size(0));
    return torch::conv2d(each, pair_sum_, conv_->bias);
}

void MicroAstConvImpl::set_split_pairs(bool split) {
    depthwise_ = pair_sum_ = torch::Tensor();
    const auto& weight = conv_->weight;  // G×2×k×k: output o reads inputs 2o and 2o+1
    const int64_t groups = conv_->options.groups();
    if (!split || groups == 1 || weight.size(0) != groups || weight.size(1) != 2) return;
    const auto format = weight.suggest_memory_format();
    const int64_t k = weight.size(2);
    depthwise_ = weight.reshape({2 * groups, 1, k, k}).contiguous(format);
    pair_sum_ = torch::eye(groups)
                    .repeat_interleave(2, /*dim=*/1)
                    .reshape({groups, 2 * groups, 1, 1})
                    .to(weight.options())
                    .contiguous(format);
}

torch::Tensor MicroAstConvImpl::forward_with(const torch::Tensor& x, const torch::Tensor& weight,
                                             const torch::Tensor& bias, bool relu_input) {
    return convolve(conv_, reflection_pad(x, pad_, relu_input), weight, bias);
}

MicroAstResidualImpl::MicroAstResidualImpl(int64_t channels) {
    conv1_ = register_module("conv1", MicroAstConv(channels, channels, 3, 1, 1));
    conv2_ = register_module("conv2", MicroAstConv(channels, channels, 3, 1, 1));
}

torch::Tensor MicroAstResidualImpl::forward(const torch::Tensor& x) {
    return conv2_->forward(conv1_(x), /*relu_input=*/true).add_(x);
}

namespace {

/// w·conv(x) + b·x as one convolution: the output channel o's weights scaled by w[o], its bias
/// by w[o], and b[o] added to the centre tap from input channel o (the centre tap reads the
/// unpadded pixel itself). Computed in float32, returned in the layer's dtype and layout.
std::pair<torch::Tensor, torch::Tensor> modulated_weights(torch::nn::Conv2d& conv,
                                                          const torch::Tensor& w,
                                                          const torch::Tensor& b) {
    const auto& weight = conv->weight;
    const int64_t channels = weight.size(0), k = weight.size(2);
    STYLECAM_CHECK(weight.size(1) == channels, "modulated convolution must be C→C");
    auto folded = weight.to(torch::kFloat32).contiguous() * w.reshape({channels, 1, 1, 1});
    folded.select(3, k / 2).select(2, k / 2).add_(torch::diag(b.reshape({channels})));
    const auto bias = conv->bias.to(torch::kFloat32) * w.reshape({channels});
    return {folded.to(weight.scalar_type()).contiguous(weight.suggest_memory_format()),
            bias.to(weight.scalar_type())};
}

}  // namespace

torch::Tensor MicroAstResidualImpl::forward_modulated(const torch::Tensor& x,
                                                      const torch::Tensor& w,
                                                      const torch::Tensor& b) {
    const auto [weight1, bias1] = modulated_weights(conv1_->conv(), w, b);
    const auto [weight2, bias2] = modulated_weights(conv2_->conv(), w, b);
    const auto h = conv1_->forward_with(x, weight1, bias1);
    return conv2_->forward_with(h, weight2, bias2, /*relu_input=*/true).add_(x);
}

MicroAstEncoderImpl::MicroAstEncoderImpl(const MicroAstOptions& options) {
    const int64_t c = options.channels();
    auto enc1 = container(*this, "enc1");
    auto enc2 = container(*this, "enc2");
    const auto add = [&](const std::string& name, int64_t in, int64_t out, int64_t kernel,
                         int64_t stride, int64_t groups) {
        layers_.push_back(
            enc1->register_module(name, MicroAstConv(in, out, kernel, stride, groups)));
        strides_.push_back(stride);
    };
    add("0", 3, c, 9, 1, 1);
    add("2", c, 2 * c, 3, 2, c);
    add("4", 2 * c, 2 * c, 1, 1, 1);
    add("6", 2 * c, 4 * c, 3, 2, 2 * c);
    add("8", 4 * c, 4 * c, 1, 1, 1);
    block1_ = enc1->register_module("10", MicroAstResidual(4 * c));
    block2_ = enc2->register_module("0", MicroAstResidual(4 * c));
}

std::pair<torch::Tensor, torch::Tensor> MicroAstEncoderImpl::forward(const torch::Tensor& image) {
    // Each layer's ReLU is applied by the next layer's padding; the last one's here, since the
    // residual block's skip connection reads it.
    auto x = image;
    for (size_t i = 0; i < layers_.size(); ++i) x = layers_[i]->forward(x, /*relu_input=*/i > 0);
    x.relu_();
    auto f1 = block1_(x);
    auto f2 = block2_(f1);
    return {f1, f2};
}

torch::Tensor MicroAstEncoderImpl::forward_f2(const torch::Tensor& image) {
    return forward(image).second;
}

MicroAstModulatorImpl::MicroAstModulatorImpl(const MicroAstOptions& options) {
    const int64_t f = options.feature_channels();
    const auto add = [&](const std::string& name) {
        return container(*this, name)->register_module("0", MicroAstConv(f, f, 3, 1, f));
    };
    weight1_ = add("weight1");
    bias1_ = add("bias1");
    weight2_ = add("weight2");
    bias2_ = add("bias2");
}

void MicroAstModulatorImpl::forward(const torch::Tensor& f1, const torch::Tensor& f2,
                                    MicroAstStyleCode& code) {
    const auto pooled = [](MicroAstConv& conv, const torch::Tensor& f) {
        return conv(f).to(torch::kFloat32).mean({2, 3}, /*keepdim=*/true);
    };
    code.weight1 = pooled(weight1_, f1);
    code.bias1 = pooled(bias1_, f1);
    code.weight2 = pooled(weight2_, f2);
    code.bias2 = pooled(bias2_, f2);
}

MicroAstDecoderImpl::MicroAstDecoderImpl(const MicroAstOptions& options) {
    const int64_t c = options.channels();
    dec1_ = register_module("dec1", MicroAstResidual(4 * c));
    dec2_ = register_module("dec2", MicroAstResidual(4 * c));
    auto dec3 = container(*this, "dec3");
    dec3_.push_back(dec3->register_module("1", MicroAstConv(4 * c, 2 * c, 3, 1, 2 * c)));
    dec3_.push_back(dec3->register_module("3", MicroAstConv(2 * c, 2 * c, 1, 1, 1)));
    dec3_.push_back(dec3->register_module("6", MicroAstConv(2 * c, c, 3, 1, c)));
    dec3_.push_back(dec3->register_module("8", MicroAstConv(c, c, 1, 1, 1)));
    dec3_.push_back(dec3->register_module("10", MicroAstConv(c, 3, 9, 1, 1)));
}

torch::Tensor MicroAstDecoderImpl::forward(const torch::Tensor& content_f2,
                                           const MicroAstStyleCode& code, double alpha,
                                           NormFrame* frame) {
    auto x = adain_blend(content_f2, code.mean2, code.std2, alpha, frame);
    x = dec1_->forward_modulated(x, code.weight2, code.bias2);
    x = adain_blend(x, code.mean1, code.std1, alpha, frame);
    x = dec2_->forward_modulated(x, code.weight1, code.bias1);
    // Bilinear ×2 and the next 3×3 conv's reflection pad in one pass (upsample_pad.h).
    x = dec3_[0]->forward_padded(upsample2_bilinear_padded(x, 1)).relu_();
    x = dec3_[1](x).relu_();
    x = dec3_[2]->forward_padded(upsample2_bilinear_padded(x, 1)).relu_();
    x = dec3_[3](x);  // its ReLU is fused into the last layer's padding
    if (folded_last_.defined())
        return folded_conv2d(reflection_pad(x, folded_last_.kernel / 2, /*relu=*/true),
                             folded_last_);
    return dec3_[4]->forward(x, /*relu_input=*/true);
}

void MicroAstDecoderImpl::set_split_pairs(bool split) {
    dec3_[0]->set_split_pairs(split);
    dec3_[2]->set_split_pairs(split);
}

void MicroAstDecoderImpl::set_folding(bool fold) {
    folded_last_ = FoldedConv{};
    if (!fold) return;
    const auto& conv = dec3_[4]->conv();
    folded_last_ = fold_conv(conv->weight, conv->bias, 4);
}

// --- the whole network -------------------------------------------------------------------------

MicroAstImpl::MicroAstImpl(MicroAstOptions options) : options_(options) {
    STYLECAM_CHECK(options.channels() > 0 && options.channels() <= 256,
                   "MicroAST: channels must be in 1..256, got ", options.channels());
    content_encoder_ = register_module("content_encoder", MicroAstEncoder(options));
    style_encoder_ = register_module("style_encoder", MicroAstEncoder(options));
    modulator_ = register_module("modulator", MicroAstModulator(options));
    decoder_ = register_module("decoder", MicroAstDecoder(options));
}

torch::Tensor MicroAstImpl::prepare_input(const torch::Tensor& image) const {
    STYLECAM_CHECK(image.dim() == 4 && image.size(1) == 3, "MicroAST: expected N×3×H×W input, got ",
                   image.sizes());
    return to_layout(image.to(run_.dtype), run_.channels_last);
}

MicroAstStyleCode MicroAstImpl::style_code(const torch::Tensor& painting) {
    STYLECAM_CHECK(painting.dim() == 4 && painting.size(2) >= 16 && painting.size(3) >= 16,
                   "MicroAST: a painting must be at least 16×16 pixels, got ", painting.sizes());
    const auto [f1, f2] = style_encoder_(prepare_input(painting));
    MicroAstStyleCode code;
    std::tie(code.mean1, code.std1) = channel_mean_std(f1);
    std::tie(code.mean2, code.std2) = channel_mean_std(f2);
    modulator_(f1, f2, code);
    return code;
}

torch::Tensor MicroAstImpl::forward(const torch::Tensor& content, const MicroAstStyleCode& code,
                                    double alpha, NormFrame* frame) {
    STYLECAM_CHECK(alpha >= 0 && alpha <= 1, "MicroAST: strength must be in [0, 1], got ", alpha);
    STYLECAM_CHECK(code.defined(), "MicroAST: no style code");
    STYLECAM_CHECK(content.dim() == 4 && content.size(2) % 4 == 0 && content.size(3) % 4 == 0 &&
                       content.size(2) >= 8 && content.size(3) >= 8,
                   "MicroAST: content height and width must be multiples of 4 and at least 8, "
                   "got ",
                   content.sizes());
    const auto f2 = content_encoder_->forward_f2(prepare_input(content));
    return decoder_(f2, code, alpha, frame).to(torch::kFloat32);
}

void MicroAstImpl::set_run_options(const MicroAstRunOptions& run) {
    torch::NoGradGuard no_grad;
    to(run.dtype);
    for (auto& parameter : parameters())
        if (parameter.dim() == 4) parameter.set_data(to_layout(parameter, run.channels_last));
    decoder_->set_folding(run.channels_last);
    // Measured faster only for bf16 channels-last (fp32 depthwise is slower in oneDNN here).
    decoder_->set_split_pairs(run.channels_last && run.dtype == torch::kBFloat16 &&
                              parameters().front().device().is_cpu());
    run_ = run;
}

// --- files -------------------------------------------------------------------------------------

bool is_microast(const SafeTensorsHeader& header) {
    const auto found = header.metadata.find("architecture");
    return found != header.metadata.end() && found->second == kMicroAstArchitecture;
}

MicroAstOptions microast_options_from(const SafeTensorsHeader& header, const std::string& file) {
    const auto found = header.metadata.find("architecture");
    STYLECAM_CHECK(found != header.metadata.end(), file,
                   ": no 'architecture' in the metadata (expected '", kMicroAstArchitecture, "')");
    STYLECAM_CHECK(found->second == kMicroAstArchitecture, file, ": architecture '", found->second,
                   "' is not MicroAST (expected '", kMicroAstArchitecture, "')");
    const std::string first = "content_encoder.enc1.0.conv_layer.weight";
    const auto tensor = header.tensors.find(first);
    STYLECAM_CHECK(tensor != header.tensors.end(), file, ": missing tensor '", first, "'");
    const auto& shape = tensor->second.shape;
    STYLECAM_CHECK(shape.size() == 4 && shape[1] == 3 && shape[2] == 9 && shape[3] == 9, file,
                   ": tensor '", first, "' has shape ", shape_string(shape),
                   ", expected [C, 3, 9, 9]");
    return MicroAstOptions().channels(shape[0]);
}

LoadedMicroAst load_microast(const std::string& file) {
    const auto contents = read_safetensors(file);
    const SafeTensorsHeader header = header_of(contents);
    LoadedMicroAst loaded;
    loaded.net = MicroAst(microast_options_from(header, file));
    load_state_dict(*loaded.net, contents.tensors, file);
    loaded.net->eval();
    loaded.metadata = contents.metadata;
    return loaded;
}

}  // namespace stylecam
