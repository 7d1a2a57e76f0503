#pragma once
/// Temporal-stability training terms that need no video data set: a network should give the same
/// output for an input with a little sensor noise (noise stability), and an input moved by a small
/// smooth motion should give the correspondingly moved output (motion stability), also when only
/// a piece of the picture moves over the rest (object motion). The trainer runs
/// the network on a perturbed copy of each crop; the loss compares that output with the clean
/// output carried through the same motion:
///   stability = Σ mask·(f(P(x)) − W(f(x)))² / (3·Σ mask), images in [0, 1]
/// where P(x) = W(x) (+ noise) and W is bilinear resampling along a grid (affine, piecewise
/// constant for object motion, identity for noise alone), and the mask keeps pixels that W fills
/// from inside the image, away from a margin where the network's border padding differs between the
/// two. Perturbations are pure functions of a seed, so a resumed run sees the ones it would have
/// seen.

#include <torch/torch.h>

#include <cstdint>

namespace stylecam {

struct Perturbation {
    torch::Tensor input;  ///< B×3×H×W, 0..255: what the network sees instead of the crop
    torch::Tensor grid;   ///< B×H×W×2 for grid_sample (align_corners false); undefined: identity
    torch::Tensor mask;   ///< B×1×H×W, 1 where the comparison counts
};

/// `input` (B×3×H×W, 0..255) with sparse noise: each pixel, with probability 0.1, gets Gaussian
/// noise of σ = 25 in every channel (clamped to 0..255). No motion.
Perturbation noise_perturbation(const torch::Tensor& input, uint64_t seed);

/// `input` with dense grain, the frame-to-frame noise of a real camera and its video codec: in
/// every channel, Gaussian noise of σ = 3 on an 8× coarser grid, bilinearly enlarged (smooth,
/// block-sized changes), plus Gaussian noise of σ = 2 per pixel; clamped to 0..255. No motion.
/// Sparse noise teaches a net to ignore outliers; grain teaches it not to amplify the small,
/// dense changes that make a still background flicker.
Perturbation grain_perturbation(const torch::Tensor& input, uint64_t seed);

/// `input` moved by a random affine motion per item: shift up to ±4 px, rotation up to ±1.5°,
/// zoom up to ±3 %, resampled bilinearly; plus the same sparse noise at a quarter of the rate.
Perturbation motion_perturbation(const torch::Tensor& input, uint64_t seed);

/// `input` with one piece of it sliding over the rest, the way a person walks past a wall: per
/// item, an ellipse (semi-axes 10–25 % of the crop's sides, centred anywhere in it) holds the
/// crop's content moved by up to ±6 px in x and y; everything else stays where it was; plus the
/// same sparse noise at a quarter of the rate. The grid moves the clean output the same way, so
/// the object's strokes must travel with it and the output around it must not change. The mask
/// leaves out a band of 8 px on both sides of the ellipse's edge, where the network may
/// legitimately see the change, besides the border margin and pixels sampled from outside.
Perturbation object_motion_perturbation(const torch::Tensor& input, uint64_t seed);

/// Resamples images (B×C×H×W) along the perturbation's motion (identity when it has none).
torch::Tensor apply_motion(const Perturbation& perturbation, const torch::Tensor& images);

/// The stability term above; `clean_output` and `perturbed_output` are the network's outputs
/// (B×3×H×W, 0..255) for the clean input and for `perturbation.input`. Gradients flow through
/// both.
torch::Tensor stability_loss(const torch::Tensor& clean_output,
                             const torch::Tensor& perturbed_output,
                             const Perturbation& perturbation);

}  // namespace stylecam
