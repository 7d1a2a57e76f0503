/// The stability terms (losses/stability.h) by hand: perturbations, their motion and mask, and
/// the loss on outputs whose answer is known.

#include "core/error.h"
#include "losses/stability.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

/// A texture-like input, B×3×H×W in 0..255.
torch::Tensor textured(int64_t batch, int64_t height, int64_t width) {
    torch::manual_seed(5);
    return torch::rand({batch, 3, height, width}) * 255;
}

/// A perturbation that moves images by a whole number of pixels: output pixel (x, y) samples
/// the input at (x + dx, y + dy). Mask: the pixels that stay inside, away from `margin`.
Perturbation integer_shift(int64_t height, int64_t width, int dx, int dy) {
    auto theta = torch::zeros({1, 2, 3});
    theta[0][0][0] = 1;
    theta[0][1][1] = 1;
    theta[0][0][2] = 2.0 * dx / static_cast<double>(width);
    theta[0][1][2] = 2.0 * dy / static_cast<double>(height);
    Perturbation p;
    p.grid = torch::nn::functional::affine_grid(theta, {1, 3, height, width}, false);
    p.mask = torch::zeros({1, 1, height, width});
    p.mask.narrow(2, 8, height - 16).narrow(3, 8, width - 16).fill_(1);
    return p;
}

/// A noise perturbation (no motion) of `input` by `perturb`, checked to be a function of its
/// seed: the same seed gives the same input, another seed another.
template <typename Perturb>
Perturbation seeded_noise(Perturb perturb, const torch::Tensor& input) {
    const auto a = perturb(input, 42), b = perturb(input, 42), c = perturb(input, 43);
    EXPECT_FALSE(a.grid.defined());
    EXPECT_TRUE(a.input.equal(b.input));
    EXPECT_FALSE(a.input.equal(c.input));
    return a;
}

/// A motion perturbation of `input` (B×3×H×W) by `perturb`, checked to be a function of its seed
/// (input, grid and mask; another seed another grid) with one grid point per pixel.
template <typename Perturb>
Perturbation seeded_motion(Perturb perturb, const torch::Tensor& input) {
    const auto a = perturb(input, 7), b = perturb(input, 7), c = perturb(input, 8);
    EXPECT_TRUE(a.input.equal(b.input));
    EXPECT_TRUE(a.grid.equal(b.grid));
    EXPECT_TRUE(a.mask.equal(b.mask));
    EXPECT_FALSE(a.grid.equal(c.grid));
    EXPECT_EQ(a.grid.sizes(),
              (std::vector<int64_t>{input.size(0), input.size(2), input.size(3), 2}));
    return a;
}

TEST(StabilityTerms, ApplyMotionOfAnIntegerShiftIsExact) {
    const auto images = textured(1, 24, 32);
    const auto moved = apply_motion(integer_shift(24, 32, 3, -2), images);
    // moved(y, x) = images(y − 2, x + 3) where that exists, 0 outside.
    const auto inside = moved.narrow(2, 2, 22).narrow(3, 0, 29);
    const auto source = images.narrow(2, 0, 22).narrow(3, 3, 29);
    EXPECT_TRUE(torch::allclose(inside, source, 1e-5, 1e-3));
    EXPECT_LT(moved.narrow(3, 29, 3).abs().max().item<float>(), 0.01f);  // from past the right
    EXPECT_LT(moved.narrow(2, 0, 2).abs().max().item<float>(), 0.01f);   // from above the top
    // No motion: the images as they are.
    EXPECT_TRUE(apply_motion(Perturbation{}, images).equal(images));
}

TEST(StabilityTerms, LossByHandForAShift) {
    // Clean output: a horizontal ramp, value x at column x. An output that moves with the input
    // scores 0; one that ignores a 2-px shift is 2 levels off everywhere: (2/255)² per value.
    const int64_t h = 24, w = 32;
    const auto ramp =
        torch::arange(w, torch::kFloat).view({1, 1, 1, w}).expand({1, 3, h, w}).contiguous();
    const auto shift = integer_shift(h, w, 2, 0);
    EXPECT_NEAR(stability_loss(ramp, apply_motion(shift, ramp), shift).item<double>(), 0.0, 1e-10);
    EXPECT_NEAR(stability_loss(ramp, ramp, shift).item<double>(), 4.0 / (255.0 * 255.0), 1e-8);
}

TEST(StabilityTerms, IdenticalOutputsGiveZeroAndTheMarginNeverCounts) {
    const auto input = textured(2, 32, 40);
    const auto noisy = noise_perturbation(input, 1);
    EXPECT_EQ(stability_loss(input, input, noisy).item<double>(), 0.0);
    // Mask: zero on the 8-px margin, one inside.
    ASSERT_EQ(noisy.mask.sizes(), (std::vector<int64_t>{2, 1, 32, 40}));
    EXPECT_EQ(noisy.mask.sum().item<double>(), 2.0 * (32 - 16) * (40 - 16));
    EXPECT_EQ(noisy.mask.narrow(2, 0, 8).sum().item<double>(), 0.0);
    EXPECT_EQ(noisy.mask.narrow(3, 32, 8).sum().item<double>(), 0.0);
    // A difference only in the margin costs nothing; a uniform 25.5 inside costs 0.1² = 0.01.
    auto off = input.clone();
    off.narrow(2, 0, 8) += 100;
    EXPECT_EQ(stability_loss(input, off, noisy).item<double>(), 0.0);
    EXPECT_NEAR(stability_loss(input, input + 25.5, noisy).item<double>(), 0.01, 1e-6);
    EXPECT_THROW(stability_loss(input, input.narrow(3, 0, 39), noisy), Error);
}

TEST(StabilityTerms, NoisePerturbationIsSparseBoundedAndSeeded) {
    const auto input = torch::full({1, 3, 64, 64}, 128.0f);
    const auto a = seeded_noise(noise_perturbation, input);
    EXPECT_GE(a.input.min().item<float>(), 0.0f);
    EXPECT_LE(a.input.max().item<float>(), 255.0f);
    // About 10 % of the pixels change (in every channel at once).
    const double changed =
        (a.input - input).abs().sum(1).gt(0).to(torch::kFloat).mean().item<double>();
    EXPECT_GT(changed, 0.07);
    EXPECT_LT(changed, 0.13);
    EXPECT_THROW(noise_perturbation(torch::zeros({1, 1, 8, 8}), 0), Error);
}

TEST(StabilityTerms, GrainPerturbationIsDenseFaintSmoothAndSeeded) {
    const auto input = torch::full({2, 3, 64, 96}, 128.0f);
    const auto a = seeded_noise(grain_perturbation, input);
    ASSERT_EQ(a.input.sizes(), input.sizes());
    ASSERT_EQ(a.mask.sizes(), (std::vector<int64_t>{2, 1, 64, 96}));
    const auto noise = a.input - input;
    // Dense: nearly every value moves; faint: σ per pixel 2, smooth part ≤ 3 (interpolation
    // between the coarse grid's values lowers it in the cells' middles).
    EXPECT_GT(noise.ne(0).to(torch::kFloat).mean().item<double>(), 0.95);
    const double sigma = noise.std().item<double>();
    EXPECT_GT(sigma, 2.3);
    EXPECT_LT(sigma, 3.7);
    EXPECT_EQ(noise.mean({2, 3}).abs().gt(1.5).sum().item<int64_t>(), 0);  // zero-mean
    // The smooth part: pixels 4 px apart (half a coarse cell) still agree (correlated);
    // per-pixel noise alone would not.
    const auto left = noise.narrow(3, 0, 92).flatten(), right = noise.narrow(3, 4, 92).flatten();
    const double correlation =
        ((left - left.mean()) * (right - right.mean())).mean().item<double>() /
        (left.std().item<double>() * right.std().item<double>());
    EXPECT_GT(correlation, 0.25);
    // Clamped to the pixel range.
    const auto dark = grain_perturbation(torch::zeros({1, 3, 16, 16}), 1);
    EXPECT_GE(dark.input.min().item<float>(), 0.0f);
    EXPECT_THROW(grain_perturbation(torch::zeros({1, 1, 8, 8}), 0), Error);
}

TEST(StabilityTerms, MotionPerturbationIsSmallMaskedAndSeeded) {
    const int64_t h = 48, w = 64;
    const auto input = textured(2, h, w);
    const auto a = seeded_motion(motion_perturbation, input);
    ASSERT_EQ(a.grid.sizes(), (std::vector<int64_t>{2, h, w, 2}));
    // The grid moves every pixel by at most shift 4 + rotation 1.5° + zoom 3 % (≈ 6.5 px here)
    // and moves something.
    auto identity = torch::zeros({2, 2, 3});
    identity.select(1, 0).select(1, 0).fill_(1);
    identity.select(1, 1).select(1, 1).fill_(1);
    const auto still = torch::nn::functional::affine_grid(identity, {2, 3, h, w}, false);
    const auto pixels = (a.grid - still) * torch::tensor({w / 2.0f, h / 2.0f});
    const double largest = pixels.pow(2).sum(3).sqrt().max().item<double>();
    EXPECT_LT(largest, 7.0);
    EXPECT_GT(largest, 0.1);
    // The mask: inside the border margin, and only where the motion samples from inside.
    EXPECT_EQ(a.mask.narrow(2, 0, 8).sum().item<double>(), 0.0);
    EXPECT_EQ(a.mask.narrow(3, w - 8, 8).sum().item<double>(), 0.0);
    const auto filled = apply_motion(a, torch::ones({2, 1, h, w}));
    EXPECT_EQ((a.mask * filled.lt(0.999).to(torch::kFloat)).sum().item<double>(), 0.0);
    EXPECT_GT(a.mask.sum().item<double>(), 0.5 * 2 * (h - 16) * (w - 16));
    // The network's input is the moved crop plus sparse noise: mostly the moved crop.
    const auto moved = apply_motion(a, input);
    const double same =
        (a.input - moved).abs().sum(1).lt(1e-3).to(torch::kFloat).mean().item<double>();
    EXPECT_GT(same, 0.95);
    // A network that moves its output with its input scores ~0 on the masked pixels (only the
    // sparse noise differs); one that ignores the motion does not.
    EXPECT_LT(stability_loss(input, moved, a).item<double>(), 1e-12);
    EXPECT_GT(stability_loss(input, input, a).item<double>(), 0.01);
}

TEST(StabilityTerms, ObjectMotionMovesOnePieceOverTheRest) {
    const int64_t h = 96, w = 128;
    const auto input = textured(4, h, w);
    const auto a = seeded_motion(object_motion_perturbation, input);
    ASSERT_EQ(a.grid.sizes(), (std::vector<int64_t>{4, h, w, 2}));
    // Per item, each pixel either stays or moves by the object's one shift (≤ 6 px per axis).
    const auto xs = (torch::arange(w, torch::kFloat) * 2 + 1) / w - 1;
    const auto ys = (torch::arange(h, torch::kFloat) * 2 + 1) / h - 1;
    const auto still =
        torch::stack({xs.view({1, w}).expand({h, w}), ys.view({h, 1}).expand({h, w})}, 2);
    const auto pixels = (a.grid - still) * torch::tensor({w / 2.0f, h / 2.0f});
    const auto moved = pixels.abs().sum(3).gt(1e-3).to(torch::kFloat);  // B×H×W
    for (int64_t i = 0; i < 4; ++i) {
        const auto shifts = pixels[i].view({-1, 2}).index({moved[i].view({-1}).gt(0)});
        ASSERT_GT(shifts.size(0), 0);
        EXPECT_LT((shifts - shifts[0]).abs().max().item<float>(), 1e-3f);
        EXPECT_LE(shifts[0].abs().max().item<float>(), 6.0f + 1e-3f);
        // The object covers at most an ellipse of half the sides: π/4 · (1/2)² of the crop.
        EXPECT_LT(moved[i].mean().item<double>(), 0.2);
    }
    // The mask: away from the border, from pixels sampled outside, and from the object's edge:
    // within 4 px of a counted pixel, everything moved alike.
    EXPECT_EQ(a.mask.narrow(2, 0, 8).sum().item<double>(), 0.0);
    EXPECT_EQ(a.mask.narrow(3, w - 8, 8).sum().item<double>(), 0.0);
    const auto filled = apply_motion(a, torch::ones({4, 1, h, w}));
    EXPECT_EQ((a.mask * filled.lt(0.999).to(torch::kFloat)).sum().item<double>(), 0.0);
    namespace F = torch::nn::functional;
    const auto around = F::MaxPool2dFuncOptions(9).stride(1).padding(4);
    const auto any_moved = F::max_pool2d(moved.unsqueeze(1), around);
    const auto all_moved = -F::max_pool2d(-moved.unsqueeze(1), around);
    EXPECT_EQ((a.mask * (any_moved - all_moved)).sum().item<double>(), 0.0);
    EXPECT_GT(a.mask.sum().item<double>(), 0.4 * 4 * (h - 16) * (w - 16));
    // The input is the crop with the piece moved, plus sparse noise at a quarter of the rate.
    const auto expected = apply_motion(a, input);
    const double same =
        (a.input - expected).abs().sum(1).lt(1e-3).to(torch::kFloat).mean().item<double>();
    EXPECT_GT(same, 0.95);
    // A local network (a 3×3 box blur) scores nearly nothing: only the sparse noise moves it.
    // One that looks 20 px away (output = input + the input 20 px to the right) sees the piece
    // move from beside it and scores far more.
    const auto local = [](const torch::Tensor& x) {
        return F::avg_pool2d(x, F::AvgPool2dFuncOptions(3).stride(1).padding(1));
    };
    const auto far_sighted = [](const torch::Tensor& x) { return x + torch::roll(x, {-20}, {3}); };
    const double local_loss = stability_loss(local(input), local(a.input), a).item<double>();
    const double far_loss =
        stability_loss(far_sighted(input), far_sighted(a.input), a).item<double>();
    EXPECT_GT(far_loss, 10 * local_loss);
    EXPECT_THROW(object_motion_perturbation(torch::zeros({1, 1, 8, 8}), 0), Error);
}

}  // namespace
}  // namespace stylecam
