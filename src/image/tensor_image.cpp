#include "image/tensor_image.h"

#include "core/error.h"

namespace stylecam {

torch::Tensor image_to_tensor(const cv::Mat& bgr8) {
    STYLECAM_CHECK(bgr8.type() == CV_8UC3,
                   "image_to_tensor: expected an 8-bit 3-channel image, got type ", bgr8.type());
    STYLECAM_CHECK(!bgr8.empty(), "image_to_tensor: empty image");
    // from_blob with the Mat's real row stride: ROIs and padded rows need no copy here.
    const auto hwc = torch::from_blob(bgr8.data, {bgr8.rows, bgr8.cols, 3},
                                      {static_cast<int64_t>(bgr8.step[0]), 3, 1}, torch::kUInt8);
    // BGR → RGB, HWC → CHW, uint8 → float; `contiguous()` after `to` makes a fresh, owning tensor.
    return hwc.flip({2}).permute({2, 0, 1}).to(torch::kFloat32).contiguous().unsqueeze(0);
}

cv::Mat tensor_to_image(const torch::Tensor& rgb) {
    STYLECAM_CHECK((rgb.dim() == 4 && rgb.size(0) == 1 && rgb.size(1) == 3) ||
                       (rgb.dim() == 3 && rgb.size(0) == 3),
                   "tensor_to_image: expected 1×3×H×W or 3×H×W, got ", rgb.sizes());
    const auto chw = rgb.dim() == 4 ? rgb[0] : rgb;
    const auto hwc = chw.detach()
                         .to(torch::kCPU, torch::kFloat32)
                         .clamp(0, 255)
                         .round()
                         .to(torch::kUInt8)
                         .flip({0})
                         .permute({1, 2, 0})
                         .contiguous();
    cv::Mat bgr8(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3);
    std::memcpy(bgr8.data, hwc.data_ptr<uint8_t>(), static_cast<size_t>(hwc.numel()));
    return bgr8;
}

}  // namespace stylecam
