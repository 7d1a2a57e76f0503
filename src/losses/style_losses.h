#pragma once
/// The perceptual losses of neural style transfer, as small pure functions (Gatys et al. 2016;
/// Johnson et al. 2016). Exact definitions — tests and tools rely on them:
///   gram(F)      = F·Fᵀ / (C·H·W) per batch item, F: B×C×H×W → B×C×C
///   content      = Σ_l mean((F_l(x) − F_l(c))²)
///   style        = Σ_l w_l · mean((G(F_l(x)) − G_l(s))²)
///   tv(x)        = mean((x[:,:,1:,:] − x[:,:,:-1,:])²) + mean((x[:,:,:,1:] − x[:,:,:,:-1])²)
///   total        = content_weight·content + style_weight·style + tv_weight·tv

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace stylecam {

/// B×C×H×W → B×C×C, normalised by C·H·W.
torch::Tensor gram_matrix(const torch::Tensor& features);

/// Σ over `targets`' layers of mean((features[l] − targets[l])²). Every target layer must be in
/// `features`.
torch::Tensor content_loss(const std::map<std::string, torch::Tensor>& features,
                           const std::map<std::string, torch::Tensor>& targets);

/// Σ over `target_grams`' layers of weight_l · mean((gram(features[l]) − target_grams[l])²);
/// a layer missing from `weights` has weight 1. Target Grams broadcast over the batch.
torch::Tensor style_loss(const std::map<std::string, torch::Tensor>& features,
                         const std::map<std::string, torch::Tensor>& target_grams,
                         const std::map<std::string, double>& weights = {});

/// Total variation of an image batch (squared differences, mean over each direction).
torch::Tensor tv_loss(const torch::Tensor& image);

struct LossWeights {
    double content = 1.0;
    double style = 1e5;
    double tv = 0.0;
};

struct LossTerms {
    torch::Tensor content, style, tv, total;  ///< scalars (unweighted terms; total is weighted)
};

/// Weighted sum of the three terms.
LossTerms combine_losses(torch::Tensor content, torch::Tensor style, torch::Tensor tv,
                         const LossWeights& weights);

}  // namespace stylecam
