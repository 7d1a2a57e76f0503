#include "stylize/torch_style_network.h"

#include "image/tensor_image.h"
#include "nets/model_file.h"
#include "nets/norm_timeline.h"

namespace stylecam {

TorchStyleNetwork::TorchStyleNetwork(const std::string& path, const NetworkOptions& options) {
    device_ = resolve_device(options.device);
    precision_ = resolve_precision(options.precision, device_);
    dtype_ = storage_dtype(precision_, device_);
    net_ = load_transformer_net(path).net;
    net_->to(device_, dtype_);
    net_->eval();
    emulated_bf16_ = bf16_is_emulated(precision_, device_);
    if (emulated_bf16_) net_->emulate_bf16();
}

cv::Mat TorchStyleNetwork::run(const cv::Mat& bgr8) { return run_as(bgr8, nullptr); }

cv::Mat TorchStyleNetwork::run_frame(const cv::Mat& bgr8, NormTimeline& timeline, int64_t frame) {
    NormFrame place{&timeline, frame};
    return run_as(bgr8, &place);
}

cv::Mat TorchStyleNetwork::run_as(const cv::Mat& bgr8, NormFrame* frame) {
    torch::NoGradGuard no_grad;
    const CpuAutocast autocast(device_.is_cpu() && precision_ == Precision::Bf16 &&
                               !emulated_bf16_);
    const auto input = image_to_tensor(bgr8).to(device_, dtype_);
    return tensor_to_image(net_->forward(input, frame));
}

std::string TorchStyleNetwork::describe() const {
    return "torch " + describe_device(device_) + " " + to_string(precision_) +
           (emulated_bf16_ ? " (emulated on fp32 kernels)" : "");
}

}  // namespace stylecam
