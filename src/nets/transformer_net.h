#pragma once
/// The feed-forward style transfer network of Johnson et al. 2016 as in the PyTorch examples'
/// `fast_neural_style` (`TransformerNet`), with identical `state_dict()` names:
///   conv1 (9×9, 3→c) in1 · conv2 (3×3 s2, c→2c) in2 · conv3 (3×3 s2, 2c→4c) in3 ·
///   res1..resN (4c) · deconv1 (×2 nearest, 3×3, 4c→2c) in4 · deconv2 (×2, 2c→c) in5 ·
///   deconv3 (9×9, c→3). Every conv is preceded by reflection padding of k/2; instance norms are
///   affine with no running statistics; ReLU after in1..in5; no output activation.
/// With the defaults (c = 32, N = 5, 9×9 outer convolutions, no shuffle) this is exactly the
/// published network (1,679,235 params); smaller widths, depths and outer kernels make faster
/// variants with the same tensor names. With `pixel_shuffle` s > 1 the input is first folded into
/// 3·s² channels at 1/s of the resolution (pixel unshuffle: conv1 takes 3·s² channels), deconv3
/// makes 3·s² channels and a pixel shuffle unfolds them: the whole net then runs at 1/s of the
/// resolution (about 1/s² of the work) while it still maps full-resolution pixels to pixels.
///
/// Input: N×3×H×W, RGB, float 0..255; H and W multiples of `size_multiple()` (4·s) and at least
/// 8·s (the Stylizer pads).
/// Output: N×3×H×W, RGB, nominally 0..255 (not clamped).

#include <torch/torch.h>

#include <string>

namespace stylecam {

/// A video frame's place in a timeline of instance-norm statistics (nets/norm_timeline.h).
struct NormFrame;

struct TransformerNetOptions {
    /// Channels of the first layer; the encoder doubles it twice (32 → 64 → 128).
    TORCH_ARG(int64_t, channels) = 32;
    /// Number of residual blocks at 4× channels.
    TORCH_ARG(int64_t, residual_blocks) = 5;
    /// Kernel size of the first and the last convolution (odd; 9 in the published network).
    TORCH_ARG(int64_t, outer_kernel) = 9;
    /// Pixel (un)shuffle factor around the network (1: none, as published).
    TORCH_ARG(int64_t, pixel_shuffle) = 1;
    /// Depthwise-separable residual blocks (as in MicroAST): each 3×3 convolution of a block
    /// becomes a per-channel 3×3 (`resN.convM.conv2d`, groups = channels) and a 1×1 mix
    /// (`resN.pwM`, no bias): 1/7 of the blocks' work at 64 channels. Spec suffix "-dw".
    TORCH_ARG(bool, separable_residuals) = false;

  public:
    /// Height and width must be multiples of this: 4 · pixel_shuffle.
    int64_t size_multiple() const { return 4 * pixel_shuffle_; }
    /// Smallest height/width accepted (reflection pads must be smaller than the maps).
    int64_t min_side() const { return 8 * pixel_shuffle_; }
};

/// Reflection pad of k/2, then a convolution; holds `conv2d` as in the PyTorch example.
class ConvLayerImpl : public torch::nn::Module {
  public:
    /// `groups` = `in` = `out` makes it depthwise.
    ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t upsample = 1,
                  int64_t groups = 1);
    torch::Tensor forward(torch::Tensor x);
    /// bf16 numerics on fp32 kernels (see TransformerNetImpl::emulate_bf16).
    void set_round_to_bf16(bool on) { round_to_bf16_ = on; }

  private:
    int64_t upsample_;
    bool round_to_bf16_ = false;
    torch::nn::ReflectionPad2d pad_{nullptr};
    torch::nn::Conv2d conv2d_{nullptr};
};
TORCH_MODULE(ConvLayer);

/// x + in2(conv2(relu(in1(conv1(x))))), 3×3 convolutions; `separable`: each convM is a
/// depthwise 3×3 followed by the 1×1 `pwM`.
class ResidualBlockImpl : public torch::nn::Module {
  public:
    explicit ResidualBlockImpl(int64_t channels, bool separable = false);
    /// `frame`: see TransformerNetImpl::forward.
    torch::Tensor forward(torch::Tensor x, NormFrame* frame = nullptr);

  private:
    ConvLayer conv1_{nullptr}, conv2_{nullptr};
    torch::nn::Conv2d pw1_{nullptr}, pw2_{nullptr};
    torch::nn::InstanceNorm2d in1_{nullptr}, in2_{nullptr};
};
TORCH_MODULE(ResidualBlock);

class TransformerNetImpl : public torch::nn::Module {
  public:
    explicit TransformerNetImpl(TransformerNetOptions options = {});
    /// `frame` (inference only; ignored under autograd): x is that frame of a video, and the
    /// instance norms take their statistics from its timeline. Null: x stands alone.
    torch::Tensor forward(torch::Tensor x, NormFrame* frame = nullptr);
    const TransformerNetOptions& options() const { return options_; }

    /// bf16 without bf16 hardware: rounds every convolution's weights and bias to bf16 now, and
    /// its input and output to bf16 on every call, while the arithmetic runs in fp32 kernels. A
    /// bf16×bf16 product is exact in fp32 and oneDNN's bf16 convolutions accumulate in fp32, so
    /// this computes what bf16 autocast computes on a native-bf16 CPU (up to summation order) at
    /// fp32 speed, instead of ATen's emulated bf16 kernels (10–40× slower). Irreversible for
    /// this instance (the weights are rounded). For fp32 parameters on the CPU.
    void emulate_bf16();

  private:
    TransformerNetOptions options_;
    ConvLayer conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
    torch::nn::InstanceNorm2d in1_{nullptr}, in2_{nullptr}, in3_{nullptr}, in4_{nullptr},
        in5_{nullptr};
    std::vector<ResidualBlock> residuals_;
    ConvLayer deconv1_{nullptr}, deconv2_{nullptr}, deconv3_{nullptr};
};
TORCH_MODULE(TransformerNet);

/// The design of `--arch fast`: 16 channels, 3 residual blocks, 5×5 outer convolutions, all of
/// it behind a ×2 pixel shuffle (measured in the README's architecture table).
constexpr const char* kFastArchitecture = "c16-r3-k5-s2";

/// Architectures for `--arch`: "full" (the published network), "fast" (kFastArchitecture), or a
/// spec "c<channels>-r<residual blocks>-k<outer kernel>-s<pixel shuffle>[-dw]" (-dw: separable
/// residual blocks). Throws `Error`.
TransformerNetOptions architecture_options(const std::string& name);
/// The spec of `options` ("c32-r5-k9-s1" for the full network, "-dw" appended when separable).
std::string architecture_spec(const TransformerNetOptions& options);

}  // namespace stylecam
