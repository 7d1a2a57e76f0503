#pragma once
/// VGG19's convolutional features (Simonyan & Zisserman) as a loss network, from safetensors with
/// torchvision's names (`features.{0,2,5,7,10,12,14,16,19,21,23,25,28,30,32,34}.weight|bias`).
/// Any prefix of the 16 convolutions loads; asking for a deeper layer is an error naming the
/// deepest one available. Max-pool 2×2 after conv1_2, conv2_2, conv3_4 and conv4_4.
///
/// Input convention: callers always pass N×3×H×W RGB in [0, 1]. The file's metadata says what
/// the weights expect (`input_color_order` RGB|BGR, `input_range` 0-1|0-255, `input_mean`,
/// `input_std` in that colour order) and `preprocess` converts to it. Files without it are refused.
///
/// Layer names: `convX_Y` is the convolution's output, `reluX_Y` the ReLU after it.
/// Weights are frozen (no gradients); gradients flow to the input.
///
/// Precision: fp32, or bf16 on a CPU with native bf16 (`set_precision`), where the convolutions
/// run under bf16 autocast (forward and backward 4–5× faster at 256 px on the development
/// machine) and the returned features are fp32 again, so losses built on them stay fp32.

#include "core/device.h"
#include "core/safetensors.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace stylecam {

/// How the weights expect their input.
struct VggInputConvention {
    bool bgr = false;          ///< channel order the weights expect
    double range = 1.0;        ///< 1 (0..1) or 255 (0..255)
    std::vector<double> mean;  ///< 3 values, in the weights' channel order and range
    std::vector<double> std;   ///< 3 values
};

/// Reads the convention from metadata; throws `Error("<file>: ...")` explaining what is missing.
VggInputConvention vgg_convention_from(const Metadata& metadata, const std::string& file);

/// "relu4_2" → {block 4, conv 2, relu true}; throws `Error` for names that are not VGG19 layers.
struct VggLayer {
    int block = 0;  ///< 1..5
    int conv = 0;   ///< 1..4 (1..2 in blocks 1–2)
    bool relu = true;
    int index = 0;  ///< 0..15: the convolution's position among the 16
    std::string name;
};
VggLayer parse_vgg_layer(const std::string& name);

class Vgg19FeaturesImpl : public torch::nn::Module {
  public:
    /// Loads the file; throws `Error("<file>: ...")` for missing metadata, wrong shapes or gaps.
    explicit Vgg19FeaturesImpl(const std::string& file);
    /// Builds from tensors already read (tests); `file` names them in errors.
    Vgg19FeaturesImpl(const SafeTensors& contents, const std::string& file);

    /// RGB [0,1] → what the weights expect.
    torch::Tensor preprocess(const torch::Tensor& rgb01) const;

    /// One pass up to the deepest requested layer; returns every requested layer by name.
    /// `rgb01`: N×3×H×W RGB in [0, 1].
    std::map<std::string, torch::Tensor> forward(const torch::Tensor& rgb01,
                                                 const std::vector<std::string>& layers);

    /// Fp32 or Bf16, as `resolve_loss_precision` gives it (bf16 applies on the CPU only).
    void set_precision(Precision precision);
    Precision precision() const { return precision_; }

    /// Number of convolutions in the file (1..16) and the deepest layer's name ("conv3_4").
    int conv_count() const { return static_cast<int>(convs_.size()); }
    std::string deepest_conv() const;
    const VggInputConvention& convention() const { return convention_; }
    const std::string& file() const { return file_; }

  private:
    void build(const SafeTensors& contents);
    std::string file_;
    VggInputConvention convention_;
    torch::Tensor mean_, std_;  // 1×3×1×1 buffers
    std::vector<torch::nn::Conv2d> convs_;
    Precision precision_ = Precision::Fp32;
};
TORCH_MODULE(Vgg19Features);

/// Resolves the loss network's precision for optimize, train and distill: `Auto` gives bf16 on a
/// CPU with native bf16 (core/device: cpu_has_native_bf16) and fp32 elsewhere, CUDA included. An
/// explicit bf16 where it is not native gives fp32: a network that is differentiated has no
/// cheap emulation (see `loss_precision_warning`). fp16 is refused with an `Error`.
Precision resolve_loss_precision(Precision precision, const torch::Device& device);

/// One line for the log when `resolve_loss_precision` does not give what was asked for; else "".
std::string loss_precision_warning(Precision precision, const torch::Device& device);

/// The torchvision `features` index of convolution `conv_index` (0..15).
int vgg_feature_index(int conv_index);

}  // namespace stylecam
