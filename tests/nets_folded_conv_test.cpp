/// The folded ("space to depth") convolution is the same convolution: against conv2d on random
/// weights and inputs, for both factors the MicroAST decoder can use, in both layouts.

#include "core/error.h"
#include "nets/folded_conv.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

TEST(FoldedConv, EqualsTheConvolutionItFolds) {
    torch::manual_seed(3);
    const auto weight = torch::randn({3, 16, 9, 9}) * 0.05;
    const auto bias = torch::randn({3});
    for (const int64_t factor : {2, 4}) {
        for (const bool channels_last : {false, true}) {
            auto x = torch::rand({2, 16, 28, 36});
            if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
            const auto expected = torch::conv2d(x, weight, bias);
            const auto folded = fold_conv(weight, bias, factor);
            EXPECT_EQ(folded.weight.sizes(),
                      torch::IntArrayRef({factor * factor * 3, factor * factor * 16, 8 / factor + 1,
                                          8 / factor + 1}));
            const auto got = folded_conv2d(x, folded);
            ASSERT_EQ(got.sizes(), expected.sizes()) << "factor " << factor;
            EXPECT_LT((got - expected).abs().max().item<double>(), 1e-4)
                << "factor " << factor << (channels_last ? " channels-last" : "");
        }
    }
}

TEST(FoldedConv, Bf16StaysWithinItsRounding) {
    torch::manual_seed(4);
    const auto weight = torch::randn({3, 16, 9, 9}) * 0.05;
    const auto bias = torch::randn({3});
    const auto x = torch::rand({1, 16, 40, 48}).contiguous(torch::MemoryFormat::ChannelsLast);
    const auto expected = torch::conv2d(x, weight, bias);
    const auto folded =
        fold_conv(weight.to(torch::kBFloat16), bias.to(torch::kBFloat16), /*factor=*/4);
    const auto got = folded_conv2d(x.to(torch::kBFloat16), folded).to(torch::kFloat32);
    // bf16 has 8 significant bits: inputs and weights round by ≤ 2^-9 relative each.
    EXPECT_LT((got - expected).abs().mean().item<double>(), 0.02);
}

TEST(FoldedConv, RefusesWhatItCannotFold) {
    const auto weight = torch::randn({3, 16, 9, 9}), bias = torch::randn({3});
    EXPECT_THROW(fold_conv(weight, bias, 3), Error);  // 3 does not divide k − 1 = 8
    EXPECT_THROW(fold_conv(weight, bias, 1), Error);
    EXPECT_THROW(fold_conv(torch::randn({3, 16, 9, 7}), bias, 2), Error);
    const auto folded = fold_conv(weight, bias, 4);
    EXPECT_THROW(folded_conv2d(torch::rand({1, 16, 30, 32}), folded), Error);  // 30 % 4
    EXPECT_THROW(folded_conv2d(torch::rand({1, 8, 32, 32}), folded), Error);   // channels
}

}  // namespace
}  // namespace stylecam
