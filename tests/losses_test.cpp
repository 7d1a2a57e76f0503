#include "core/error.h"
#include "losses/style_losses.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

TEST(Gram, HandComputed) {
    // One batch item, C = 2, H = 1, W = 2: F = [[1, 2], [3, 4]].
    const auto features = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 2, 1, 2});
    const auto gram = gram_matrix(features);
    // F·Fᵀ = [[5, 11], [11, 25]], divided by C·H·W = 4.
    const auto expected = torch::tensor({1.25f, 2.75f, 2.75f, 6.25f}).view({1, 2, 2});
    EXPECT_TRUE(torch::allclose(gram, expected));
}

TEST(Gram, PerBatchItemAndSymmetric) {
    torch::manual_seed(0);
    const auto features = torch::randn({3, 4, 5, 6});
    const auto gram = gram_matrix(features);
    ASSERT_EQ(gram.sizes(), (std::vector<int64_t>{3, 4, 4}));
    EXPECT_TRUE(torch::allclose(gram, gram.transpose(1, 2)));
    EXPECT_TRUE(torch::allclose(gram[1], gram_matrix(features.slice(0, 1, 2))[0]));
    EXPECT_THROW(gram_matrix(torch::zeros({4, 4})), Error);
}

TEST(ContentLoss, SumOfPerLayerMeanSquaredErrors) {
    const std::map<std::string, torch::Tensor> features = {
        {"a", torch::tensor({1.0f, 2.0f}).view({1, 2, 1, 1})},
        {"b", torch::tensor({0.0f, 0.0f, 0.0f, 3.0f}).view({1, 1, 2, 2})}};
    const std::map<std::string, torch::Tensor> targets = {
        {"a", torch::tensor({0.0f, 0.0f}).view({1, 2, 1, 1})}, {"b", torch::zeros({1, 1, 2, 2})}};
    // a: (1 + 4) / 2 = 2.5; b: 9 / 4 = 2.25
    EXPECT_FLOAT_EQ(content_loss(features, targets).item<float>(), 4.75f);
    EXPECT_THROW(content_loss({}, targets), Error);
}

TEST(StyleLoss, WeightedSumOverLayers) {
    const auto f = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 2, 1, 2});
    const std::map<std::string, torch::Tensor> features = {{"s", f}};
    const std::map<std::string, torch::Tensor> targets = {{"s", torch::zeros({1, 2, 2})}};
    // mean of gram² = (1.25² + 2·2.75² + 6.25²) / 4 = 1.5625 + 15.125 + 39.0625 = 55.75 / 4
    const float expected = (1.5625f + 2 * 7.5625f + 39.0625f) / 4;
    EXPECT_FLOAT_EQ(style_loss(features, targets).item<float>(), expected);
    EXPECT_FLOAT_EQ(style_loss(features, targets, {{"s", 0.5}}).item<float>(), expected / 2);
}

TEST(TvLoss, HandComputed) {
    // 1×1×2×3 image [[0, 1, 3], [2, 2, 2]]: dy = [2, 1, -1] → mean 2; dx = [1, 2, 0, 0] → mean 1.25
    const auto image = torch::tensor({0.0f, 1.0f, 3.0f, 2.0f, 2.0f, 2.0f}).view({1, 1, 2, 3});
    EXPECT_FLOAT_EQ(tv_loss(image).item<float>(), 3.25f);
    EXPECT_FLOAT_EQ(tv_loss(torch::ones({1, 3, 4, 4})).item<float>(), 0.0f);
}

TEST(CombineLosses, WeightsEachTerm) {
    const auto terms = combine_losses(torch::tensor(2.0), torch::tensor(3.0), torch::tensor(5.0),
                                      LossWeights{10, 100, 1000});
    EXPECT_DOUBLE_EQ(terms.total.item<double>(), 20 + 300 + 5000);
    EXPECT_DOUBLE_EQ(terms.style.item<double>(), 3.0);
}

}  // namespace
}  // namespace stylecam
