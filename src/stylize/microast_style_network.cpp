#include "stylize/microast_style_network.h"

#include "core/error.h"
#include "image/tensor_image.h"
#include "nets/norm_timeline.h"

#include <filesystem>

namespace stylecam {
namespace {

/// The cache key: the painting (its file's path, size and time, or an in-memory image's name and
/// pixels' address) and the size it is encoded at.
std::string cache_key(const PaintingPart& part, int style_size) {
    std::string key = part.path + "|" + std::to_string(style_size) + "|";
    if (!part.image.empty())
        return key + std::to_string(reinterpret_cast<uintptr_t>(part.image.data));
    std::error_code ec;
    const auto size = std::filesystem::file_size(part.path, ec);
    const auto time = std::filesystem::last_write_time(part.path, ec).time_since_epoch().count();
    return key + std::to_string(size) + "|" + std::to_string(time);
}

/// CV_8UC3 BGR → 1×3×H×W RGB 0..1 on `device` (the network's input range), channels-last when
/// the network runs so (fewer passes over the pixels).
torch::Tensor unit_tensor(const cv::Mat& bgr8, const torch::Device& device, bool channels_last) {
    if (channels_last) return image_to_tensor_channels_last(bgr8, 1.0f / 255).to(device);
    return image_to_tensor(bgr8).to(device).div_(255.0);
}

}  // namespace

MicroAstRunOptions microast_run_options(Precision precision, const torch::Device& device) {
    MicroAstRunOptions run;
    if (device.is_cuda()) {
        run.dtype = precision == Precision::Fp16   ? torch::kHalf
                    : precision == Precision::Bf16 ? torch::kBFloat16
                                                   : torch::kFloat32;
        return run;
    }
    // CPU: bf16 where it is native; emulated bf16 runs fp32 (same speed, fp32 numerics).
    if (precision == Precision::Bf16 && !bf16_is_emulated(precision, device))
        run.dtype = torch::kBFloat16;
    run.channels_last = true;
    return run;
}

MicroAstStyleNetwork::MicroAstStyleNetwork(const std::string& path, const NetworkOptions& options) {
    device_ = resolve_device(options.device);
    precision_ = resolve_precision(options.precision, device_);
    emulated_bf16_ = bf16_is_emulated(precision_, device_);
    net_ = load_microast(path).net;
    net_->to(device_);
    net_->set_run_options(microast_run_options(precision_, device_));
}

MicroAstStyleCode MicroAstStyleNetwork::code_of(const PaintingPart& part, int style_size,
                                                std::vector<std::string>& notes) {
    const auto key = cache_key(part, style_size);
    const auto found = cache_.find(key);
    if (found != cache_.end()) return found->second;
    const auto painting = prepare_painting(part, style_size);
    if (!painting.note.empty()) notes.push_back(painting.note);
    torch::NoGradGuard no_grad;
    const auto code = net_->style_code(unit_tensor(painting.bgr, device_, channels_last()));
    cache_[key] = code;
    return code;
}

std::vector<std::string> MicroAstStyleNetwork::set_style(const PaintingStyle& style) {
    STYLECAM_CHECK(!style.empty(), "MicroAST: no painting given");
    std::vector<std::string> notes;
    std::vector<MicroAstStyleCode> codes;
    std::vector<double> weights;
    for (const auto& part : style.parts) {
        codes.push_back(code_of(part, style.style_size, notes));
        weights.push_back(part.weight);
    }
    torch::NoGradGuard no_grad;
    code_ = mix_style_codes(codes, weights);
    return notes;
}

void MicroAstStyleNetwork::set_strength(double strength) {
    STYLECAM_CHECK(strength >= 0 && strength <= 1, "strength must be in [0, 1], got ", strength);
    strength_ = strength;
}

cv::Mat MicroAstStyleNetwork::run(const cv::Mat& bgr8) { return run_as(bgr8, nullptr); }

cv::Mat MicroAstStyleNetwork::run_frame(const cv::Mat& bgr8, NormTimeline& timeline,
                                        int64_t frame) {
    NormFrame place{&timeline, frame};
    return run_as(bgr8, &place);
}

cv::Mat MicroAstStyleNetwork::run_as(const cv::Mat& bgr8, NormFrame* frame) {
    STYLECAM_CHECK(code_.defined(), "MicroAST: no painting set (a style image is needed)");
    torch::NoGradGuard no_grad;
    const auto input = unit_tensor(bgr8, device_, channels_last());
    auto code = code_;
    if (strength_ < 1 && input.size(2) >= kMinPaintingSide && input.size(3) >= kMinPaintingSide)
        code = mix_style_codes({code_, net_->style_code(input)}, {strength_, 1 - strength_});
    return tensor_to_image(net_->forward(input, code, 1.0, frame), 255.0f);
}

std::string MicroAstStyleNetwork::describe() const {
    const auto& run = net_->run_options();
    return "microast torch " + describe_device(device_) + " " + to_string(precision_) +
           (emulated_bf16_ ? " (emulated: runs fp32)" : "") +
           (run.channels_last ? " channels-last" : "");
}

}  // namespace stylecam
