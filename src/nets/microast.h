#pragma once
/// MicroAST (Wang et al., "MicroAST: Towards Super-Fast Ultra-Resolution Arbitrary Style
/// Transfer", AAAI 2023): arbitrary style transfer with two tiny encoders, a modulator and a
/// decoder, with the published state-dict names under one prefix per part (`content_encoder.`,
/// `style_encoder.`, `modulator.`, `decoder.`; see ../shared/weights/README.md).
///
/// - Encoder (content and style, separate weights): `enc1.0` 9×9 3→c, then stride-2 grouped 3×3
///   convs and 1×1 convs up to 4c channels at 1/4 resolution, a residual block → f1; `enc2.0`, a
///   residual block → f2. Every conv: reflection pad k/2, conv with bias.
/// - A painting's *style code* (`MicroAstStyleCode`): per channel, f1's and f2's mean and std
///   (AdaIN targets) and the modulator's weight/bias vectors (depthwise 3×3 conv, global mean).
/// - Decoder: AdaIN of the content's f2 blended by α, a modulated residual block, AdaIN again,
///   a second modulated block, then bilinear ×2 / grouped 3×3 / 1×1 twice and a 9×9 conv to RGB.
///
/// Images: N×3×H×W, RGB, float 0..1 (the file's `input_range`); the output is RGB nominally
/// 0..1, not clamped. Content height and width: multiples of 4, at least 8. A module instance is
/// used by one thread at a time.

#include "core/safetensors.h"
#include "nets/folded_conv.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace stylecam {

/// A video frame's place in a timeline of normalization statistics (nets/norm_timeline.h).
struct NormFrame;

constexpr const char* kMicroAstArchitecture = "microast";

struct MicroAstOptions {
    /// Channels of the first layer (16 as published); the encoder doubles them twice (64).
    TORCH_ARG(int64_t, channels) = 16;

  public:
    /// Channels of the features the decoder works on: 4 × channels.
    int64_t feature_channels() const { return 4 * channels_; }
};

/// Everything the decoder needs from a painting; each tensor 1×C×1×1 float32 (C = 64), on the
/// device of the network that computed it. Small (2 KiB): cache it, mix it.
struct MicroAstStyleCode {
    torch::Tensor mean1, std1;     ///< f1 statistics (AdaIN target before the second block)
    torch::Tensor mean2, std2;     ///< f2 statistics (AdaIN target before the first block)
    torch::Tensor weight1, bias1;  ///< modulation of dec2 (from f1)
    torch::Tensor weight2, bias2;  ///< modulation of dec1 (from f2)

    bool defined() const { return mean1.defined(); }
    /// The eight tensors in the order above.
    std::vector<torch::Tensor> tensors() const;
    static MicroAstStyleCode from_tensors(const std::vector<torch::Tensor>& tensors);
};

/// Weighted average of style codes: an in-between style. `weights` are ≥ 0, not all 0, one per
/// code; they are normalised to sum 1. Throws `Error` otherwise.
MicroAstStyleCode mix_style_codes(const std::vector<MicroAstStyleCode>& codes,
                                  const std::vector<double>& weights);

/// How the network runs: element type and memory layout of weights and activations. Style codes
/// and AdaIN statistics stay float32 whatever the dtype.
struct MicroAstRunOptions {
    torch::ScalarType dtype = torch::kFloat32;  ///< kFloat32 or kBFloat16 (CPU) / kHalf (CUDA)
    bool channels_last = false;                 ///< NHWC activations and weights
};

/// Reflection pad of k/2 and a convolution with bias (groups from the weight's shape), as the
/// published `ConvLayer`; holds `conv_layer` (`.weight`, `.bias`).
class MicroAstConvImpl : public torch::nn::Module {
  public:
    MicroAstConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups);
    /// The layer on `x`, or on relu(x) when `relu_input` (fused into the padding copy, which
    /// saves a pass over the map in bf16 and channels-last runs).
    torch::Tensor forward(const torch::Tensor& x, bool relu_input = false);
    /// The convolution alone, on an input its caller already padded by kernel/2.
    torch::Tensor forward_padded(const torch::Tensor& padded);
    /// With `true`, a grouped convolution of two input channels per group and one output (the
    /// decoder's dec3.1 and dec3.6) runs as a depthwise convolution and a 1×1 convolution that
    /// adds each pair (the same sums, one more rounding; oneDNN's bf16 channels-last kernels do
    /// the two in a quarter of the grouped one's time). Other shapes ignore it. Call after the
    /// weights' last conversion.
    void set_split_pairs(bool split);
    /// The same layer with other weights (the decoder's modulated convolutions).
    torch::Tensor forward_with(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, bool relu_input = false);
    torch::nn::Conv2d& conv() { return conv_; }

  private:
    int64_t pad_;
    torch::nn::Conv2d conv_{nullptr};
    torch::Tensor depthwise_, pair_sum_;  ///< set_split_pairs(true): 2G×1×k×k and G×2G×1×1
};
TORCH_MODULE(MicroAstConv);

/// x + conv2(relu(conv1(x))), 3×3, C→C; the decoder's blocks are modulated (see microast.cpp).
class MicroAstResidualImpl : public torch::nn::Module {
  public:
    explicit MicroAstResidualImpl(int64_t channels);
    torch::Tensor forward(const torch::Tensor& x);
    /// h = w·conv1(x) + b·x; h = relu(h); x + w·conv2(h) + b·h, with per-channel w, b
    /// (1×C×1×1, float32).
    torch::Tensor forward_modulated(const torch::Tensor& x, const torch::Tensor& w,
                                    const torch::Tensor& b);

  private:
    MicroAstConv conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(MicroAstResidual);

/// The content or the style encoder: image → {f1, f2}, both N×4c×H/4×W/4.
class MicroAstEncoderImpl : public torch::nn::Module {
  public:
    explicit MicroAstEncoderImpl(const MicroAstOptions& options);
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& image);
    /// f2 alone (what the decoder needs from the content).
    torch::Tensor forward_f2(const torch::Tensor& image);

  private:
    std::vector<MicroAstConv> layers_;  ///< enc1.0, .2, .4, .6, .8 (each followed by ReLU)
    std::vector<int64_t> strides_;
    MicroAstResidual block1_{nullptr}, block2_{nullptr};  ///< enc1.10, enc2.0
};
TORCH_MODULE(MicroAstEncoder);

/// The four depthwise 3×3 convs (`weight1`, `bias1` on f1; `weight2`, `bias2` on f2), each
/// averaged over H×W into one number per channel.
class MicroAstModulatorImpl : public torch::nn::Module {
  public:
    explicit MicroAstModulatorImpl(const MicroAstOptions& options);
    /// Fills weight1, bias1, weight2, bias2 of `code` (float32).
    void forward(const torch::Tensor& f1, const torch::Tensor& f2, MicroAstStyleCode& code);

  private:
    MicroAstConv weight1_{nullptr}, bias1_{nullptr}, weight2_{nullptr}, bias2_{nullptr};
};
TORCH_MODULE(MicroAstModulator);

class MicroAstDecoderImpl : public torch::nn::Module {
  public:
    explicit MicroAstDecoderImpl(const MicroAstOptions& options);
    /// Content feature f2 (N×4c×h×w), a style code, strength α in [0, 1] → N×3×4h×4w. A video
    /// `frame` (inference only) normalizes both AdaINs by statistics its timeline carries over
    /// from the frames before (nets/norm_timeline.h), instead of the features' own.
    torch::Tensor forward(const torch::Tensor& content_f2, const MicroAstStyleCode& code,
                          double alpha, NormFrame* frame = nullptr);
    /// Runs the last 9×9 16→3 conv folded 4×4 into channels (folded_conv.h; about 3× faster in
    /// bf16 channels-last) or, with `false`, as it is. Call after the weights' last conversion.
    void set_folding(bool fold);
    /// MicroAstConvImpl::set_split_pairs for the two grouped convolutions after the upsamplings.
    void set_split_pairs(bool split);

  private:
    MicroAstResidual dec1_{nullptr}, dec2_{nullptr};
    std::vector<MicroAstConv> dec3_;  ///< dec3.1, .3, .6, .8, .10
    FoldedConv folded_last_;          ///< dec3.10 folded, when set_folding(true)
};
TORCH_MODULE(MicroAstDecoder);

class MicroAstImpl : public torch::nn::Module {
  public:
    explicit MicroAstImpl(MicroAstOptions options = {});

    /// A painting (1×3×H×W RGB 0..1, H and W ≥ 16, any size otherwise) → its style code.
    MicroAstStyleCode style_code(const torch::Tensor& painting);
    /// Stylizes `content` (N×3×H×W RGB 0..1, H and W multiples of 4, ≥ 8) with `code` at
    /// strength `alpha` ∈ [0, 1] (0: the network's reconstruction of the content, 1: full
    /// style). Returns N×3×H×W RGB, nominally 0..1 (not clamped), float32, in the run's memory
    /// format (channels-last or contiguous). A video `frame`: see MicroAstDecoderImpl::forward.
    torch::Tensor forward(const torch::Tensor& content, const MicroAstStyleCode& code,
                          double alpha = 1.0, NormFrame* frame = nullptr);

    /// Converts weights to `run.dtype` and `run.channels_last` layout; inputs are converted on
    /// the way in. Channels-last also folds the decoder's last conv (same sums, faster). Call after
    /// `to(device)`; float32 channels-first is the published network.
    void set_run_options(const MicroAstRunOptions& run);
    const MicroAstRunOptions& run_options() const { return run_; }
    const MicroAstOptions& options() const { return options_; }

  private:
    torch::Tensor prepare_input(const torch::Tensor& image) const;

    MicroAstOptions options_;
    MicroAstRunOptions run_;
    MicroAstEncoder content_encoder_{nullptr}, style_encoder_{nullptr};
    MicroAstModulator modulator_{nullptr};
    MicroAstDecoder decoder_{nullptr};
};
TORCH_MODULE(MicroAst);

/// Reflection padding by `pad` on all four sides for any dtype and memory layout (LibTorch 1.13
/// has no bf16 reflection pad on the CPU, and its channels-last one returns channels-first).
/// Keeps `x`'s memory format. H and W must exceed `pad`. With `relu`, pads relu(x) (in the same
/// pass as the copy, except for float32 channels-first).
torch::Tensor reflection_pad(const torch::Tensor& x, int64_t pad, bool relu = false);

/// Per-channel mean and std over H×W (std = sqrt(unbiased variance + 1e-5)), float32, N×C×1×1.
std::pair<torch::Tensor, torch::Tensor> channel_mean_std(const torch::Tensor& x);

struct LoadedMicroAst {
    MicroAst net{nullptr};  ///< on the CPU, float32, channels-first, eval mode
    Metadata metadata;
};

/// True when the header says `architecture=microast`.
bool is_microast(const SafeTensorsHeader& header);

/// Options from a file's tensor shapes (width from `content_encoder.enc1.0`); checks the
/// metadata's architecture. Throws `Error("<file>: ...")`.
MicroAstOptions microast_options_from(const SafeTensorsHeader& header, const std::string& file);

/// Loads a MicroAST file; throws `Error("<file>: ...")` naming a missing or misshaped tensor.
LoadedMicroAst load_microast(const std::string& file);

}  // namespace stylecam
