/// Warm starts across architectures: tensors of equal shape are copied, kernels of another
/// size recentred, and new residual blocks start as the identity, so that a net that gains
/// (separable) blocks or channels computes exactly what its source computes.

#include "core/error.h"
#include "nets/model_file.h"
#include "nets/weight_transfer.h"
#include "test_support.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

TEST(WeightTransfer, NewSeparableBlocksStartAsTheIdentity) {
    torch::manual_seed(31);
    TransformerNet from(
        TransformerNetOptions().channels(8).residual_blocks(0).outer_kernel(5).pixel_shuffle(2));
    TransformerNet to(architecture_options("c8-r2-k5-s2-dw"));
    const auto report = transfer_weights(from, to);
    EXPECT_EQ(report.identity_blocks, 2);
    EXPECT_EQ(report.cropped, 0);
    // per block: 2 depthwise convolutions (weight, bias), 2 pointwise (weight), 2 norms (scale,
    // shift)
    EXPECT_EQ(report.fresh, 2 * 10);
    EXPECT_EQ(report.copied, static_cast<int>(from->parameters().size()));
    torch::NoGradGuard no_grad;
    const auto input = torch::rand({1, 3, 32, 48}) * 255;
    EXPECT_TRUE(torch::allclose(from->forward(input), to->forward(input), 1e-4, 1e-3));
}

TEST(WeightTransfer, AWiderNetComputesWhatItsSourceComputesAndItsNewChannelsLearn) {
    torch::manual_seed(33);
    TransformerNet from(architecture_options("c8-r2-k3-s2-dw"));
    TransformerNet to(architecture_options("c12-r2-k3-s2-dw"));
    const auto report = transfer_weights(from, to);
    EXPECT_EQ(report.identity_blocks, 0);
    EXPECT_EQ(report.fresh, 0);
    EXPECT_EQ(report.cropped, 0);
    EXPECT_GT(report.widened, 0);
    EXPECT_EQ(report.copied + report.widened, static_cast<int>(from->parameters().size()));
    const auto source = from->named_parameters(), target = to->named_parameters();
    // the leading slice is the source; a weight's inputs from new channels are 0
    EXPECT_TRUE(torch::equal(target["conv2.conv2d.weight"].narrow(0, 0, 16).narrow(1, 0, 8),
                             source["conv2.conv2d.weight"]));
    EXPECT_EQ(target["conv2.conv2d.weight"].narrow(1, 8, 4).abs().sum().item<float>(), 0.0f);
    EXPECT_GT(target["conv2.conv2d.weight"].narrow(0, 16, 8).abs().sum().item<float>(), 0.0f);
    const auto input = torch::rand({1, 3, 32, 48}) * 255;
    {
        torch::NoGradGuard no_grad;
        EXPECT_TRUE(torch::allclose(from->forward(input), to->forward(input), 1e-4, 1e-3));
    }
    // the zeroed inputs from the new channels still get gradients (a dead start would not)
    to->forward(input).pow(2).mean().backward();
    const auto grad = to->named_parameters()["deconv3.conv2d.weight"].grad();
    ASSERT_TRUE(grad.defined());
    EXPECT_GT(grad.narrow(1, 8, 4).abs().sum().item<float>(), 0.0f);
}

TEST(WeightTransfer, KernelsOfAnotherSizeAreCentred) {
    torch::manual_seed(32);
    TransformerNet from(TransformerNetOptions().channels(4).residual_blocks(1).outer_kernel(5));
    TransformerNet to(TransformerNetOptions().channels(4).residual_blocks(1).outer_kernel(3));
    const auto report = transfer_weights(from, to);
    EXPECT_EQ(report.cropped, 2);  // conv1 and deconv3
    EXPECT_EQ(report.identity_blocks, 0);
    const auto source = from->named_parameters(), target = to->named_parameters();
    EXPECT_TRUE(torch::equal(target["conv1.conv2d.weight"],
                             source["conv1.conv2d.weight"].narrow(2, 1, 3).narrow(3, 1, 3)));
    EXPECT_TRUE(
        torch::equal(target["res1.conv1.conv2d.weight"], source["res1.conv1.conv2d.weight"]));
    // and back: the 3×3 kernel in the middle of a 5×5 one, zeros around it
    TransformerNet back(TransformerNetOptions().channels(4).residual_blocks(1).outer_kernel(5));
    transfer_weights(to, back);
    const auto wide = back->named_parameters()["deconv3.conv2d.weight"];
    EXPECT_TRUE(
        torch::equal(wide.narrow(2, 1, 3).narrow(3, 1, 3), target["deconv3.conv2d.weight"]));
    EXPECT_NEAR(wide.abs().sum().item<double>(),
                target["deconv3.conv2d.weight"].abs().sum().item<double>(), 1e-5);
}

TEST(WeightTransfer, SeparableSpecRoundTripsAndIsReadBackFromTheFile) {
    const auto options = architecture_options("c16-r3-k3-s2-dw");
    EXPECT_TRUE(options.separable_residuals());
    EXPECT_EQ(architecture_spec(options), "c16-r3-k3-s2-dw");
    EXPECT_FALSE(architecture_options("c16-r3-k3-s2").separable_residuals());
    EXPECT_THROW(architecture_options("c16-r3-k3-s2-dwx"), Error);
    EXPECT_THROW(architecture_options("c16-r3-k3-s2-"), Error);
    testing::TempDir dir;
    torch::manual_seed(33);
    TransformerNet net(options);
    save_transformer_net(dir.path("dw.safetensors"), net);
    auto loaded = load_transformer_net(dir.path("dw.safetensors"));
    EXPECT_EQ(architecture_spec(loaded.net->options()), "c16-r3-k3-s2-dw");
    EXPECT_EQ(loaded.metadata.at("residual_blocks_separable"), "1");
    torch::NoGradGuard no_grad;
    net->eval();
    const auto input = torch::rand({1, 3, 32, 32}) * 255;
    EXPECT_TRUE(torch::equal(net->forward(input), loaded.net->forward(input)));
}

}  // namespace
}  // namespace stylecam
