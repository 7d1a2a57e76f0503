#pragma once
/// Losses and distances for judging and training a student against its teacher's output, chosen
/// because they do not reward blur (PSNR against a teacher does: a blurred teacher scores higher
/// than a 1-pixel shift of it). Pure functions; every image batch is B×3×H×W RGB in [0, 1].
///   texture distance = mean over layers l of ‖G(F_l(a)) − G(F_l(b))‖_F / ‖G(F_l(b))‖_F,
///                      per batch item, then averaged over the batch (G: gram_matrix)
///   low-pass loss    = mean((avgpool_k(a) − avgpool_k(b))²), k×k pooling, stride k
///   detail loss      = mean((avgpool_k(|∇²g(a)|) − avgpool_k(|∇²g(b)|))²) / mean(|∇²g(b)|)²,
///                      per batch item, then averaged; g: grey (0.299 R + 0.587 G + 0.114 B),
///                      ∇²: the 4-neighbour Laplacian over the valid (H−2)×(W−2) pixels

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace stylecam {

/// The VGG19 layers of the texture distance: relu1_1, relu2_1, relu3_1.
const std::vector<std::string>& texture_layers();

/// Relative Gram distance of `features` to `reference` (both: layer → B×C×H×W, the same layers;
/// sizes may differ between the two, channels may not), averaged over the layers in
/// `reference` and the batch; a scalar with gradients. 0 for equal textures.
torch::Tensor texture_distance(const std::map<std::string, torch::Tensor>& features,
                               const std::map<std::string, torch::Tensor>& reference);

/// Mean squared difference of the k×k average-pooled images (k ≥ 1; sides need not be
/// multiples of k: the remainder is dropped): colours and layout, not stroke phase.
torch::Tensor lowpass_loss(const torch::Tensor& image, const torch::Tensor& target, int64_t k);

/// How far the local amount of detail (edge and stroke energy: the magnitude of the grey
/// Laplacian, as `stylecam eval`'s detail ratio measures it, averaged over k×k cells) differs
/// from the target's, relative to the target's mean detail: 0 when every cell has as much
/// detail as the target's, whatever the strokes' phase (a 1-pixel shift costs nothing); 1 for a
/// flat image against a uniformly detailed target. Both B×3×H×W, the same sizes, H, W ≥ 3;
/// k ≥ 1 (remainders dropped, as in lowpass_loss). A scalar with gradients.
torch::Tensor detail_loss(const torch::Tensor& image, const torch::Tensor& target, int64_t k);

}  // namespace stylecam
