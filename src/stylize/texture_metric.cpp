#include "stylize/texture_metric.h"

#include "core/error.h"
#include "image/tensor_image.h"
#include "losses/distillation_losses.h"

namespace stylecam {
namespace {

std::map<std::string, torch::Tensor> texture_features(Vgg19Features& vgg, const cv::Mat& bgr) {
    STYLECAM_CHECK(!bgr.empty() && bgr.type() == CV_8UC3,
                   "texture distance: expected CV_8UC3 images");
    return vgg->forward(image_to_tensor(bgr) / 255.0, texture_layers());
}

}  // namespace

TextureMetric::TextureMetric(const std::string& vgg_file)
    : TextureMetric(Vgg19Features(vgg_file)) {}

TextureMetric::TextureMetric(Vgg19Features vgg) : vgg_(std::move(vgg)) {
    const std::string& deepest = texture_layers().back();
    STYLECAM_CHECK(vgg_->conv_count() > parse_vgg_layer(deepest).index, vgg_->file(),
                   ": the texture distance needs VGG19 up to ", deepest, ", the file ends at ",
                   vgg_->deepest_conv());
    vgg_->to(torch::kCPU, torch::kFloat);
    vgg_->eval();
}

double TextureMetric::distance(const cv::Mat& output, const cv::Mat& reference) {
    torch::NoGradGuard no_grad;
    const auto ours = texture_features(vgg_, output);
    const auto theirs = texture_features(vgg_, reference);
    return texture_distance(ours, theirs).item<double>();
}

}  // namespace stylecam
