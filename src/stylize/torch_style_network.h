#pragma once
/// LibTorch runner for transformer-net model files (safetensors).

#include "nets/transformer_net.h"
#include "stylize/style_network.h"

namespace stylecam {

class TorchStyleNetwork : public StyleNetwork {
  public:
    /// Loads `path` onto the resolved device; fp16 on CUDA converts the weights, bf16 on the CPU
    /// runs under autocast where it is native and is emulated on fp32 kernels elsewhere
    /// (TransformerNetImpl::emulate_bf16). Throws `Error`.
    TorchStyleNetwork(const std::string& path, const NetworkOptions& options);
    cv::Mat run(const cv::Mat& bgr8) override;
    cv::Mat run_frame(const cv::Mat& bgr8, NormTimeline& timeline, int64_t frame) override;
    std::string describe() const override;
    int size_multiple() const override { return static_cast<int>(net_->options().size_multiple()); }

  private:
    cv::Mat run_as(const cv::Mat& bgr8, NormFrame* frame);

    TransformerNet net_{nullptr};
    torch::Device device_{torch::kCPU};
    Precision precision_ = Precision::Fp32;
    torch::ScalarType dtype_ = torch::kFloat32;
    /// bf16 on a CPU without it: rounded on fp32 kernels, not autocast (see bf16_is_emulated).
    bool emulated_bf16_ = false;
};

}  // namespace stylecam
