/// The distillation losses (losses/distillation_losses.h) by hand on tiny tensors.

#include "core/error.h"
#include "losses/distillation_losses.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

using Features = std::map<std::string, torch::Tensor>;

TEST(DistillationLosses, TextureLayersAreTheIssuesThree) {
    EXPECT_EQ(texture_layers(), (std::vector<std::string>{"relu1_1", "relu2_1", "relu3_1"}));
}

TEST(DistillationLosses, TextureDistanceByHand) {
    // C = 2, H = 1, W = 2. F = I: G = F·Fᵀ / (C·H·W) = I / 4.
    // R = [[1, 1], [0, 0]]: G_R = [[2, 0], [0, 0]] / 4 = [[0.5, 0], [0, 0]].
    // ‖G − G_R‖ = ‖diag(−0.25, 0.25)‖ = 0.25·√2, ‖G_R‖ = 0.5 → √2 / 2.
    const auto f = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({1, 2, 1, 2});
    const auto r = torch::tensor({1.0f, 1.0f, 0.0f, 0.0f}).view({1, 2, 1, 2});
    EXPECT_NEAR(texture_distance({{"a", f}}, {{"a", r}}).item<double>(), std::sqrt(0.5), 1e-6);
    EXPECT_NEAR(texture_distance({{"a", r}}, {{"a", r}}).item<double>(), 0.0, 1e-7);
    // Averaged over the reference's layers: one equal layer halves it.
    EXPECT_NEAR(texture_distance({{"a", f}, {"b", r}}, {{"a", r}, {"b", r}}).item<double>(),
                std::sqrt(0.5) / 2, 1e-6);
    // Relative to the reference: scaling both by the same factor changes nothing.
    EXPECT_NEAR(texture_distance({{"a", 3 * f}}, {{"a", 3 * r}}).item<double>(), std::sqrt(0.5),
                1e-6);
    // Layers the reference lacks are ignored; one it has must be there.
    EXPECT_NEAR(texture_distance({{"a", f}, {"extra", f}}, {{"a", r}}).item<double>(),
                std::sqrt(0.5), 1e-6);
    EXPECT_THROW(texture_distance({{"b", f}}, {{"a", r}}), Error);
    EXPECT_THROW(texture_distance({{"a", f}}, {}), Error);
}

TEST(DistillationLosses, TextureDistanceIsPerItemAveragedAndIgnoresSize) {
    const auto f = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f}).view({1, 2, 1, 2});
    const auto r = torch::tensor({1.0f, 1.0f, 0.0f, 0.0f}).view({1, 2, 1, 2});
    // Batch of two: item 0 at √2/2, item 1 at 0.
    const Features batch = {{"a", torch::cat({f, r})}}, target = {{"a", torch::cat({r, r})}};
    EXPECT_NEAR(texture_distance(batch, target).item<double>(), std::sqrt(0.5) / 2, 1e-6);
    // The same texture tiled twice as wide: the same Gram matrix.
    EXPECT_NEAR(texture_distance({{"a", torch::cat({r, r}, 3)}}, {{"a", r}}).item<double>(), 0.0,
                1e-7);
}

TEST(DistillationLosses, TextureDistanceHasGradients) {
    torch::manual_seed(3);
    auto f = torch::rand({1, 4, 3, 3}, torch::requires_grad());
    const auto r = torch::rand({1, 4, 5, 5});
    const auto loss = texture_distance({{"a", f}}, {{"a", r}});
    loss.backward();
    ASSERT_TRUE(f.grad().defined());
    EXPECT_GT(f.grad().abs().sum().item<double>(), 0.0);
}

TEST(DistillationLosses, LowpassLossByHand) {
    // 1×1×2×4: [[1, 3, 0, 0], [−1, 5, 0, 0]]. 2×2 pooling: [2, 0] → against zeros, mean 4/2 = 2.
    const auto image =
        torch::tensor({1.0f, 3.0f, 0.0f, 0.0f, -1.0f, 5.0f, 0.0f, 0.0f}).view({1, 1, 2, 4});
    const auto zeros = torch::zeros_like(image);
    EXPECT_FLOAT_EQ(lowpass_loss(image, zeros, 2).item<float>(), 2.0f);
    // k = 1 is the plain MSE: (1 + 9 + 1 + 25) / 8.
    EXPECT_FLOAT_EQ(lowpass_loss(image, zeros, 1).item<float>(), 4.5f);
    // A checkerboard and its 1-pixel shift: far apart per pixel, equal after pooling.
    const auto checker =
        torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({1, 1, 2, 2}).repeat({1, 3, 2, 2});
    const auto shifted = 1 - checker;
    EXPECT_FLOAT_EQ(lowpass_loss(checker, shifted, 2).item<float>(), 0.0f);
    EXPECT_FLOAT_EQ(lowpass_loss(checker, shifted, 1).item<float>(), 1.0f);
}

TEST(DistillationLosses, LowpassLossDropsTheRemainderAndChecksItsArguments) {
    // 3×5 with k = 2: only the top-left 2×4 counts; the last row and column are dropped.
    auto image = torch::zeros({1, 1, 3, 5});
    image.select(2, 2).fill_(100);
    image.select(3, 4).fill_(100);
    EXPECT_FLOAT_EQ(lowpass_loss(image, torch::zeros_like(image), 2).item<float>(), 0.0f);
    EXPECT_GT(lowpass_loss(image, torch::zeros_like(image), 1).item<float>(), 0.0f);
    EXPECT_THROW(lowpass_loss(image, image, 0), Error);
    EXPECT_THROW(lowpass_loss(image, torch::zeros({1, 1, 3, 4}), 2), Error);
}

/// A grey 1×3×H×W image (equal channels: grey = the value, 0.299 + 0.587 + 0.114 = 1).
torch::Tensor grey_image(std::vector<float> values, int64_t h, int64_t w) {
    return torch::tensor(values).view({1, 1, h, w}).repeat({1, 3, 1, 1});
}

TEST(DistillationLosses, DetailLossByHand) {
    // 3×3, one valid Laplacian pixel. A lone bright centre: |0·4 − 4·1| = 4. A bright top
    // neighbour: |1 − 0| = 1. Relative to the target's mean detail 1: (4 − 1)² / 1² = 9.
    const auto centre = grey_image({0, 0, 0, 0, 1, 0, 0, 0, 0}, 3, 3);
    const auto top = grey_image({0, 1, 0, 0, 0, 0, 0, 0, 0}, 3, 3);
    EXPECT_NEAR(detail_loss(centre, top, 1).item<double>(), 9.0, 1e-5);
    // The other way round: (1 − 4)² / 4² = 9/16.
    EXPECT_NEAR(detail_loss(top, centre, 1).item<double>(), 9.0 / 16, 1e-6);
    EXPECT_NEAR(detail_loss(centre, centre, 1).item<double>(), 0.0, 1e-7);
    // Colour weights as OpenCV's grey: only the red channel lit at the centre: 0.299·4.
    auto red = torch::zeros({1, 3, 3, 3});
    red[0][0][1][1] = 1.0f;
    EXPECT_NEAR(detail_loss(red, top, 1).item<double>(), std::pow(0.299 * 4 - 1, 2), 1e-5);
}

TEST(DistillationLosses, DetailLossIgnoresStrokePhaseButNotBlur) {
    // A 6×6 checkerboard and its 1-pixel shift: |∇²| = 4 everywhere in both: no loss, although
    // every pixel differs. Against a flat (fully blurred) image: 1, the whole detail missing.
    const auto checker =
        torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).view({1, 1, 2, 2}).repeat({1, 3, 3, 3});
    const auto shifted = 1 - checker;
    const auto flat = torch::full_like(checker, 0.5f);
    for (const int64_t k : {1, 2, 4}) {
        EXPECT_NEAR(detail_loss(shifted, checker, k).item<double>(), 0.0, 1e-7) << k;
        EXPECT_NEAR(detail_loss(flat, checker, k).item<double>(), 1.0, 1e-6) << k;
    }
    // Half the detail everywhere: (2 − 4)² / 4² = 1/4.
    EXPECT_NEAR(detail_loss(0.5 * checker, checker, 2).item<double>(), 0.25, 1e-6);
}

TEST(DistillationLosses, DetailLossHasGradientsAndChecksItsArguments) {
    torch::manual_seed(4);
    auto image = torch::rand({2, 3, 8, 8}, torch::requires_grad());
    const auto target = torch::rand({2, 3, 8, 8}, torch::requires_grad());
    detail_loss(image, target, 2).backward();
    ASSERT_TRUE(image.grad().defined());
    EXPECT_GT(image.grad().abs().sum().item<double>(), 0.0);
    EXPECT_FALSE(target.grad().defined());  // the target is a constant
    EXPECT_THROW(detail_loss(image, target, 0), Error);
    EXPECT_THROW(detail_loss(image, torch::rand({2, 3, 8, 7}), 2), Error);
    EXPECT_THROW(detail_loss(torch::rand({1, 3, 2, 8}), torch::rand({1, 3, 2, 8}), 1), Error);
    EXPECT_THROW(detail_loss(torch::rand({1, 1, 8, 8}), torch::rand({1, 1, 8, 8}), 1), Error);
}

}  // namespace
}  // namespace stylecam
