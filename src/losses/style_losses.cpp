#include "losses/style_losses.h"

#include "core/error.h"

namespace stylecam {

torch::Tensor gram_matrix(const torch::Tensor& features) {
    STYLECAM_CHECK(features.dim() == 4, "gram_matrix: expected B×C×H×W, got ", features.sizes());
    const auto b = features.size(0), c = features.size(1), h = features.size(2),
               w = features.size(3);
    const auto flat = features.reshape({b, c, h * w});
    return torch::bmm(flat, flat.transpose(1, 2)) / static_cast<double>(c * h * w);
}

torch::Tensor content_loss(const std::map<std::string, torch::Tensor>& features,
                           const std::map<std::string, torch::Tensor>& targets) {
    torch::Tensor total;
    for (const auto& [layer, target] : targets) {
        const auto found = features.find(layer);
        STYLECAM_CHECK(found != features.end(), "content_loss: no features for layer ", layer);
        auto term = torch::mse_loss(found->second, target.expand_as(found->second));
        total = total.defined() ? total + term : term;
    }
    STYLECAM_CHECK(total.defined(), "content_loss: no content layer");
    return total;
}

torch::Tensor style_loss(const std::map<std::string, torch::Tensor>& features,
                         const std::map<std::string, torch::Tensor>& target_grams,
                         const std::map<std::string, double>& weights) {
    torch::Tensor total;
    for (const auto& [layer, target] : target_grams) {
        const auto found = features.find(layer);
        STYLECAM_CHECK(found != features.end(), "style_loss: no features for layer ", layer);
        const auto gram = gram_matrix(found->second);
        const auto weight = weights.count(layer) ? weights.at(layer) : 1.0;
        auto term = weight * torch::mse_loss(gram, target.expand_as(gram));
        total = total.defined() ? total + term : term;
    }
    STYLECAM_CHECK(total.defined(), "style_loss: no style layer");
    return total;
}

torch::Tensor tv_loss(const torch::Tensor& image) {
    STYLECAM_CHECK(image.dim() == 4, "tv_loss: expected B×C×H×W, got ", image.sizes());
    using torch::indexing::Slice;
    const auto dy = image.index({Slice(), Slice(), Slice(1, torch::indexing::None), Slice()}) -
                    image.index({Slice(), Slice(), Slice(torch::indexing::None, -1), Slice()});
    const auto dx = image.index({Slice(), Slice(), Slice(), Slice(1, torch::indexing::None)}) -
                    image.index({Slice(), Slice(), Slice(), Slice(torch::indexing::None, -1)});
    return dy.pow(2).mean() + dx.pow(2).mean();
}

LossTerms combine_losses(torch::Tensor content, torch::Tensor style, torch::Tensor tv,
                         const LossWeights& weights) {
    LossTerms terms{std::move(content), std::move(style), std::move(tv), {}};
    terms.total =
        weights.content * terms.content + weights.style * terms.style + weights.tv * terms.tv;
    return terms;
}

}  // namespace stylecam
