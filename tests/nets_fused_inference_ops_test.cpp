/// The inference kernels of the transformer nets against LibTorch's operators: the ×2 pixel
/// (un)shuffles bit for bit (float32 and bf16, odd channel counts, several images, rows that
/// are not a multiple of the vector width), the fused instance norm + ReLU to float rounding
/// (with and without ReLU, a map with a large mean, a constant plane; bf16 maps to one bf16
/// rounding; channels-last maps, kept channels-last), and the fallbacks (training, other
/// strides, float64) taking LibTorch's path.

#include "core/error.h"
#include "nets/instance_norm_relu.h"
#include "nets/pixel_shuffle2.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

TEST(PixelShuffle2, UnshuffleAndShuffleEqualLibTorchBitForBit) {
    torch::manual_seed(31);
    torch::NoGradGuard no_grad;
    for (const auto dtype : {torch::kFloat32, torch::kBFloat16})
        for (const auto& size : std::vector<std::vector<int64_t>>{
                 {1, 3, 480, 640}, {2, 5, 6, 38}, {1, 1, 2, 2}, {3, 2, 10, 18}}) {
            const auto x = torch::randn(size).to(dtype);
            const auto unshuffled = pixel_unshuffle2(x);
            EXPECT_TRUE(torch::equal(unshuffled, torch::pixel_unshuffle(x, 2))) << size[3];
            const auto shuffled = pixel_shuffle2(unshuffled);
            EXPECT_TRUE(torch::equal(shuffled, torch::pixel_shuffle(unshuffled, 2))) << size[3];
            EXPECT_TRUE(torch::equal(shuffled, x));
        }
}

TEST(PixelShuffle2, OtherLayoutsAndOddSizesUseLibTorch) {
    torch::NoGradGuard no_grad;
    const auto channels_last =
        torch::randn({1, 4, 6, 8}).contiguous(torch::MemoryFormat::ChannelsLast);
    EXPECT_TRUE(
        torch::equal(pixel_unshuffle2(channels_last), torch::pixel_unshuffle(channels_last, 2)));
    EXPECT_TRUE(
        torch::equal(pixel_shuffle2(channels_last), torch::pixel_shuffle(channels_last, 2)));
    const auto strided = torch::randn({1, 2, 8, 12}).transpose(2, 3);
    EXPECT_TRUE(torch::equal(pixel_unshuffle2(strided), torch::pixel_unshuffle(strided, 2)));
    EXPECT_THROW(pixel_unshuffle2(torch::randn({1, 1, 3, 4})), c10::Error);  // as LibTorch
}

torch::Tensor reference(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                        bool relu) {
    const auto y = torch::instance_norm(x, w, b, {}, {}, true, 0.0, 1e-5, false);
    return relu ? torch::relu(y) : y;
}

TEST(InstanceNormRelu, MatchesLibTorchToFloatRounding) {
    torch::manual_seed(32);
    torch::NoGradGuard no_grad;
    for (const bool relu : {true, false})
        for (const auto& size : std::vector<std::vector<int64_t>>{
                 {1, 16, 240, 320}, {2, 3, 7, 5}, {1, 64, 60, 80}, {1, 2, 3, 1}}) {
            const auto x = torch::randn(size) * 40 + 300;  // a large mean: the two-pass variance
            const auto w = torch::randn({size[1]}), b = torch::randn({size[1]});
            ASSERT_TRUE(instance_norm_fusable(x));
            const auto got = instance_norm_relu(x, w, b, 1e-5, relu);
            const auto expected = reference(x, w, b, relu);
            ASSERT_EQ(got.sizes(), expected.sizes());
            EXPECT_LT((got - expected).abs().max().item<double>(), 1e-4)
                << size[1] << "×" << size[2] << "×" << size[3] << " relu " << relu;
            if (relu) {
                EXPECT_GE(got.min().item<double>(), 0.0);
            }
        }
}

TEST(InstanceNormRelu, ChannelsLastMapsMatchLibTorchAndStayChannelsLast) {
    torch::manual_seed(35);
    torch::NoGradGuard no_grad;
    for (const bool relu : {true, false})
        for (const auto& size :
             std::vector<std::vector<int64_t>>{{1, 64, 60, 80}, {2, 5, 7, 3}, {1, 16, 1, 2}}) {
            const auto x =
                (torch::randn(size) * 40 + 300).contiguous(torch::MemoryFormat::ChannelsLast);
            const auto w = torch::randn({size[1]}), b = torch::randn({size[1]});
            ASSERT_TRUE(instance_norm_fusable(x));
            const auto got = instance_norm_relu(x, w, b, 1e-5, relu);
            EXPECT_TRUE(got.is_contiguous(torch::MemoryFormat::ChannelsLast));
            EXPECT_LT((got - reference(x.contiguous(), w, b, relu)).abs().max().item<double>(),
                      1e-4)
                << size[1] << "×" << size[2] << "×" << size[3] << " relu " << relu;
            const auto half = x.to(torch::kBFloat16);
            const auto got16 = instance_norm_relu(half, w, b, 1e-5, relu).to(torch::kFloat32);
            const auto expected16 = reference(half.contiguous(), w, b, relu).to(torch::kFloat32);
            EXPECT_TRUE(((got16 - expected16).abs() <= expected16.abs() * (1.0 / 128) + 1e-3)
                            .all()
                            .item<bool>());
        }
}

TEST(InstanceNormRelu, Bf16MapsMatchLibTorchsBf16KernelToOneRounding) {
    torch::manual_seed(34);
    torch::NoGradGuard no_grad;
    for (const bool relu : {true, false}) {
        const auto x = (torch::randn({1, 16, 48, 64}) * 3 + 1).to(torch::kBFloat16);
        const auto w = torch::randn({16}), b = torch::randn({16});
        ASSERT_TRUE(instance_norm_fusable(x));
        const auto got = instance_norm_relu(x, w, b, 1e-5, relu);
        ASSERT_EQ(got.scalar_type(), torch::kBFloat16);
        const auto expected = reference(x, w, b, relu);
        ASSERT_EQ(expected.scalar_type(), torch::kBFloat16);
        // bf16 keeps 8 significant bits: one rounding apart is at most 2^-8 of the value.
        const auto difference = (got.to(torch::kFloat32) - expected.to(torch::kFloat32)).abs();
        const auto bound = expected.to(torch::kFloat32).abs() * (1.0 / 128) + 1e-3;
        EXPECT_TRUE((difference <= bound).all().item<bool>())
            << "largest difference " << difference.max().item<double>() << " relu " << relu;
        EXPECT_LT(difference.mean().item<double>(), 2e-3);
    }
}

TEST(InstanceNormRelu, AConstantPlaneGivesItsBias) {
    torch::NoGradGuard no_grad;
    const auto x = torch::full({1, 2, 4, 4}, 7.0f);
    const auto got = instance_norm_relu(x, torch::ones({2}), torch::tensor({0.5f, -0.5f}), 1e-5,
                                        /*relu=*/true);
    EXPECT_TRUE(torch::allclose(got[0][0], torch::full({4, 4}, 0.5f)));
    EXPECT_TRUE(torch::equal(got[0][1], torch::zeros({4, 4})));
}

TEST(InstanceNormRelu, TrainingAndOtherLayoutsTakeLibTorchsPath) {
    torch::manual_seed(33);
    const auto w = torch::randn({4}).requires_grad_(), b = torch::randn({4});
    const auto x = torch::randn({1, 4, 6, 6});
    EXPECT_FALSE(instance_norm_fusable(x));  // autograd on: the fused kernel has no backward
    const auto y = instance_norm_relu(x, w, b, 1e-5, true);
    EXPECT_TRUE(y.requires_grad());
    y.sum().backward();
    EXPECT_TRUE(w.grad().defined());
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(instance_norm_fusable(x));
    EXPECT_FALSE(instance_norm_fusable(x.transpose(2, 3)));
    EXPECT_FALSE(instance_norm_fusable(x.to(torch::kFloat64)));
    const auto strided = x.transpose(2, 3);
    EXPECT_TRUE(torch::allclose(instance_norm_relu(strided, w, b, 1e-5, false),
                                reference(strided, w, b, false), 1e-5, 1e-5));
}

TEST(InstanceNormRelu, ItsOwnStatisticsGiveTheSameValues) {
    torch::manual_seed(36);
    torch::NoGradGuard no_grad;
    const auto w = torch::randn({8}), b = torch::randn({8});
    const auto x = torch::randn({2, 8, 30, 20}) * 40 + 300;
    for (const auto& map :
         {x, x.contiguous(torch::MemoryFormat::ChannelsLast), x.to(torch::kBFloat16)})
        for (const bool relu : {true, false}) {
            const auto statistics = instance_statistics(map);
            ASSERT_EQ(statistics.mean.sizes(), torch::IntArrayRef({2, 8}));
            EXPECT_TRUE(
                torch::allclose(statistics.mean, map.to(torch::kFloat32).mean({2, 3}), 1e-5, 1e-3));
            const auto given = instance_norm_relu(map, w, b, 1e-5, relu, statistics);
            EXPECT_TRUE(torch::equal(given, instance_norm_relu(map, w, b, 1e-5, relu)))
                << map.scalar_type() << " channels-last " << !map.is_contiguous();
            EXPECT_EQ(given.is_contiguous(), map.is_contiguous());
        }
    // LibTorch's path (autograd, other layouts) computes the same function.
    const auto strided = x.transpose(2, 3);
    EXPECT_TRUE(
        torch::allclose(instance_norm_relu(strided, w, b, 1e-5, true, instance_statistics(strided)),
                        reference(strided, w, b, true), 1e-4, 1e-4));
}

TEST(InstanceNormRelu, GivenStatisticsNormalizeByHand) {
    torch::NoGradGuard no_grad;
    // One plane [1, 3] normalized by mean 1 and variance 4 (not its own 2 and 1), weight 2,
    // bias 0.5: (v − 1) / 2 · 2 + 0.5 = 0.5 and 2.5; a second plane by mean 10: ReLU'd to 0.
    const auto x = torch::tensor({1.0f, 3.0f, 4.0f, 6.0f}).view({1, 2, 1, 2});
    const InstanceStatistics given{torch::tensor({1.0f, 10.0f}).view({1, 2}),
                                   torch::tensor({4.0f, 1.0f}).view({1, 2})};
    const auto weight = torch::tensor({2.0f, 1.0f}), bias = torch::tensor({0.5f, 0.0f});
    for (const auto& map : {x, x.transpose(2, 3)}) {  // fused, and LibTorch's path
        const auto y = instance_norm_relu(map, weight, bias, 0.0, true, given).reshape({4});
        EXPECT_TRUE(torch::allclose(y, torch::tensor({0.5f, 2.5f, 0.0f, 0.0f}), 1e-6, 1e-6)) << y;
    }
    const InstanceStatistics wrong{torch::zeros({1, 3}), torch::ones({1, 3})};
    EXPECT_THROW(instance_norm_relu(x, weight, bias, 1e-5, true, wrong), Error);
}

}  // namespace
}  // namespace stylecam
