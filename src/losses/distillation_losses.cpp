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

}  // namespace stylecam
