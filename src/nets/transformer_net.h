#pragma once
/// The feed-forward style transfer network of Johnson et al. 2016 as in the PyTorch examples'
/// `fast_neural_style` (`TransformerNet`), with identical `state_dict()` names:
///   conv1 (9×9, 3→c) in1 · conv2 (3×3 s2, c→2c) in2 · conv3 (3×3 s2, 2c→4c) in3 ·
///   res1..resN (4c) · deconv1 (×2 nearest, 3×3, 4c→2c) in4 · deconv2 (×2, 2c→c) in5 ·
///   deconv3 (9×9, c→3). Every conv is preceded by reflection padding of k/2; instance norms are
///   affine with no running statistics; ReLU after in1..in5; no output activation.
/// With the defaults (c = 32, N = 5, 9×9 outer convolutions) this is exactly the published network
/// (1,679,235 params); smaller widths, depths and outer kernels make faster variants with the
/// same tensor names.
///
/// Input: N×3×H×W, RGB, float 0..255; H and W multiples of 4 and at least 8 (the Stylizer pads).
/// Output: N×3×H×W, RGB, nominally 0..255 (not clamped).

#include <torch/torch.h>

#include <string>

namespace stylecam {

struct TransformerNetOptions {
    /// Channels of the first layer; the encoder doubles it twice (32 → 64 → 128).
    TORCH_ARG(int64_t, channels) = 32;
    /// Number of residual blocks at 4× channels.
    TORCH_ARG(int64_t, residual_blocks) = 5;
    /// Kernel size of the first and the last convolution (odd; 9 in the published network).
    TORCH_ARG(int64_t, outer_kernel) = 9;
};

/// Reflection pad of k/2, then a convolution; holds `conv2d` as in the PyTorch example.
class ConvLayerImpl : public torch::nn::Module {
  public:
    ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t upsample = 1);
    torch::Tensor forward(torch::Tensor x);

  private:
    int64_t upsample_;
    torch::nn::ReflectionPad2d pad_{nullptr};
    torch::nn::Conv2d conv2d_{nullptr};
};
TORCH_MODULE(ConvLayer);

/// x + in2(conv2(relu(in1(conv1(x))))), 3×3 convolutions.
class ResidualBlockImpl : public torch::nn::Module {
  public:
    explicit ResidualBlockImpl(int64_t channels);
    torch::Tensor forward(torch::Tensor x);

  private:
    ConvLayer conv1_{nullptr}, conv2_{nullptr};
    torch::nn::InstanceNorm2d in1_{nullptr}, in2_{nullptr};
};
TORCH_MODULE(ResidualBlock);

class TransformerNetImpl : public torch::nn::Module {
  public:
    explicit TransformerNetImpl(TransformerNetOptions options = {});
    torch::Tensor forward(torch::Tensor x);
    const TransformerNetOptions& options() const { return options_; }

  private:
    TransformerNetOptions options_;
    ConvLayer conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
    torch::nn::InstanceNorm2d in1_{nullptr}, in2_{nullptr}, in3_{nullptr}, in4_{nullptr},
        in5_{nullptr};
    std::vector<ResidualBlock> residuals_;
    ConvLayer deconv1_{nullptr}, deconv2_{nullptr}, deconv3_{nullptr};
};
TORCH_MODULE(TransformerNet);

/// Named architectures for `--arch`: "full" (the published network) and "fast" (16 channels,
/// 3 residual blocks, 5×5 outer convolutions: about 1/5 of the full network's multiply-adds per
/// pixel and 1/6 of its parameters).
TransformerNetOptions architecture_options(const std::string& name);

/// Smallest height/width the network accepts (reflection pads must be smaller than the maps).
constexpr int64_t kTransformerNetMinSide = 8;
/// Height and width must be multiples of this (two stride-2 convolutions, then two ×2 upsamples).
constexpr int64_t kTransformerNetSizeMultiple = 4;

}  // namespace stylecam
