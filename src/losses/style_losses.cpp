#include "losses/style_losses.h"

#include "core/error.h"

namespace stylecam {

namespace {

/// G = F·Fᵀ for F: B×C×N, with the gradient written out: dL/dF = (dL/dG + dL/dGᵀ)·F, one product
/// on contiguous operands. Autograd's own backward of bmm(F, Fᵀ) multiplies through a transposed
/// view and adds two strided halves: 7× slower at relu1_1 of a 256 px image (64×65536), which
/// made the Grams cost more than VGG19 itself in bf16.
struct GramProduct : torch::autograd::Function<GramProduct> {
    static torch::Tensor forward(torch::autograd::AutogradContext* context,
                                 const torch::Tensor& flat) {
        context->save_for_backward({flat});
        return torch::bmm(flat, flat.transpose(1, 2));
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradients) {
        const auto flat = context->get_saved_variables()[0];
        const auto& gradient = gradients[0];
        return {torch::bmm(gradient + gradient.transpose(1, 2), flat)};
    }
};

}  // namespace

torch::Tensor gram_matrix(const torch::Tensor& features) {
    STYLECAM_CHECK(features.dim() == 4, "gram_matrix: expected B×C×H×W, got ", features.sizes());
    const auto b = features.size(0), c = features.size(1), h = features.size(2),
               w = features.size(3);
    const auto flat = features.reshape({b, c, h * w}).contiguous();
    return GramProduct::apply(flat) / static_cast<double>(c * h * w);
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
