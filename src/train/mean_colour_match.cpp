#include "train/mean_colour_match.h"

#include "core/error.h"
#include "image/tensor_image.h"

namespace stylecam {

std::array<double, 3> mean_colour_offset(TransformerNet& net, const std::vector<cv::Mat>& pictures,
                                         const std::vector<cv::Mat>& targets, torch::Device device,
                                         const std::function<void(int, int)>& on_picture) {
    STYLECAM_CHECK(pictures.size() == targets.size(), "mean_colour_offset: ", pictures.size(),
                   " pictures but ", targets.size(), " targets");
    torch::NoGradGuard no_grad;
    const bool was_training = net->is_training();
    net->eval();
    const int64_t multiple = net->options().size_multiple();
    const int64_t min_side = net->options().min_side();
    std::array<double, 3> difference{0, 0, 0};  // sums over pixels of target − output, RGB
    double pixels = 0;
    const int total = static_cast<int>(pictures.size());
    for (int i = 0; i < total; ++i) {
        const cv::Mat& picture = pictures[i];
        STYLECAM_CHECK(picture.size() == targets[i].size(), "mean_colour_offset: picture ", i,
                       " is ", picture.cols, "×", picture.rows, " but its target ", targets[i].cols,
                       "×", targets[i].rows);
        const int width = static_cast<int>(picture.cols / multiple * multiple);
        const int height = static_cast<int>(picture.rows / multiple * multiple);
        if (width >= min_side && height >= min_side) {
            const cv::Rect centre((picture.cols - width) / 2, (picture.rows - height) / 2, width,
                                  height);
            const auto input = image_to_tensor(picture(centre)).to(device);
            const auto output = image_to_tensor(tensor_to_image(net->forward(input).cpu()));
            const auto target = image_to_tensor(targets[i](centre));
            const auto sums = (target - output).sum({0, 2, 3}).to(torch::kFloat64);
            for (int c = 0; c < 3; ++c) difference[c] += sums[c].item<double>();
            pixels += static_cast<double>(width) * height;
        }
        if (on_picture) on_picture(i + 1, total);
    }
    if (was_training) net->train();
    STYLECAM_CHECK(pixels > 0, "mean_colour_offset: no picture is at least ", min_side,
                   " pixels on each side");
    for (auto& value : difference) value /= pixels;
    return difference;
}

}  // namespace stylecam
