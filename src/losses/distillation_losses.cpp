#include "losses/distillation_losses.h"

#include "core/error.h"
#include "losses/style_losses.h"

namespace stylecam {

const std::vector<std::string>& texture_layers() {
    static const std::vector<std::string> layers = {"relu1_1", "relu2_1", "relu3_1"};
    return layers;
}

torch::Tensor texture_distance(const std::map<std::string, torch::Tensor>& features,
                               const std::map<std::string, torch::Tensor>& reference) {
    torch::Tensor sum;
    for (const auto& [layer, target] : reference) {
        const auto found = features.find(layer);
        STYLECAM_CHECK(found != features.end(), "texture_distance: no features for layer ", layer);
        const auto ours = gram_matrix(found->second), theirs = gram_matrix(target);
        const auto difference = (ours - theirs).flatten(1).norm(2, {1});
        const auto scale = theirs.flatten(1).norm(2, {1}).clamp_min(1e-12);
        const auto term = (difference / scale).mean();
        sum = sum.defined() ? sum + term : term;
    }
    STYLECAM_CHECK(sum.defined(), "texture_distance: no layer");
    return sum / static_cast<double>(reference.size());
}

torch::Tensor lowpass_loss(const torch::Tensor& image, const torch::Tensor& target, int64_t k) {
    STYLECAM_CHECK(k >= 1, "lowpass_loss: pooling size must be ≥ 1, got ", k);
    STYLECAM_CHECK(image.sizes() == target.sizes(), "lowpass_loss: sizes differ, ", image.sizes(),
                   " and ", target.sizes());
    if (k == 1) return torch::mse_loss(image, target);
    return torch::mse_loss(torch::avg_pool2d(image, {k, k}), torch::avg_pool2d(target, {k, k}));
}

namespace {

/// |∇²| of the grey image: B×1×(H−2)×(W−2).
torch::Tensor abs_grey_laplacian(const torch::Tensor& rgb) {
    const auto grey =
        (0.299 * rgb.select(1, 0) + 0.587 * rgb.select(1, 1) + 0.114 * rgb.select(1, 2))
            .unsqueeze(1);
    const auto kernel =
        torch::tensor({0.0f, 1.0f, 0.0f, 1.0f, -4.0f, 1.0f, 0.0f, 1.0f, 0.0f}, grey.options())
            .view({1, 1, 3, 3});
    return torch::conv2d(grey, kernel).abs();
}

}  // namespace

torch::Tensor detail_loss(const torch::Tensor& image, const torch::Tensor& target, int64_t k) {
    STYLECAM_CHECK(k >= 1, "detail_loss: pooling size must be ≥ 1, got ", k);
    STYLECAM_CHECK(image.sizes() == target.sizes(), "detail_loss: sizes differ, ", image.sizes(),
                   " and ", target.sizes());
    STYLECAM_CHECK(
        image.dim() == 4 && image.size(1) == 3 && image.size(2) >= 3 && image.size(3) >= 3,
        "detail_loss: expected B×3×H×W with H, W ≥ 3, got ", image.sizes());
    auto ours = abs_grey_laplacian(image);
    torch::Tensor theirs;
    {
        torch::NoGradGuard no_grad;
        theirs = abs_grey_laplacian(target);
    }
    const auto scale = theirs.mean({1, 2, 3}).square().clamp_min(1e-12);
    if (k > 1) {
        ours = torch::avg_pool2d(ours, {k, k});
        theirs = torch::avg_pool2d(theirs, {k, k});
    }
    return ((ours - theirs).square().mean({1, 2, 3}) / scale).mean();
}

}  // namespace stylecam
