/// The fused bilinear ×2 + reflection pad computes what LibTorch's two operators compute, in
/// float32 and bf16, channels-last (fused) and channels-first (LibTorch's own path), at the
/// edges (1-pixel maps, pads reaching the upsampled map's far side) and for several images.

#include "core/error.h"
#include "nets/upsample_pad.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

/// LibTorch's own upsampling and padding, in float32.
torch::Tensor reference(const torch::Tensor& x, int64_t pad) {
    const auto up = torch::upsample_bilinear2d(x.to(torch::kFloat32).contiguous(),
                                               {2 * x.size(2), 2 * x.size(3)}, false);
    return pad > 0 ? torch::reflection_pad2d(up, {pad, pad, pad, pad}) : up;
}

struct Case {
    int64_t n, c, h, w, pad;
};

TEST(UpsamplePad, Float32ChannelsLastEqualsUpsampleThenReflectionPad) {
    torch::manual_seed(11);
    for (const Case& k : {Case{1, 5, 7, 9, 1}, Case{2, 3, 4, 5, 0}, Case{1, 8, 1, 3, 1},
                          Case{1, 4, 2, 6, 3}, Case{2, 32, 12, 16, 1}}) {
        const auto x =
            (torch::randn({k.n, k.c, k.h, k.w}) * 3).contiguous(torch::MemoryFormat::ChannelsLast);
        const auto got = upsample2_bilinear_padded(x, k.pad);
        const auto expected = reference(x, k.pad);
        ASSERT_EQ(got.sizes(), expected.sizes()) << k.h << "×" << k.w << " pad " << k.pad;
        if (k.h > 1) {
            EXPECT_TRUE(got.is_contiguous(torch::MemoryFormat::ChannelsLast));
        }
        EXPECT_LT((got - expected).abs().max().item<double>(), 1e-5)
            << k.h << "×" << k.w << " pad " << k.pad;
    }
}

TEST(UpsamplePad, Bf16IsTheFloat32ResultRoundedOnce) {
    torch::manual_seed(12);
    const auto x = (torch::randn({1, 16, 10, 14}) * 4)
                       .to(torch::kBFloat16)
                       .contiguous(torch::MemoryFormat::ChannelsLast);
    const auto got = upsample2_bilinear_padded(x, 1);
    EXPECT_EQ(got.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(got.is_contiguous(torch::MemoryFormat::ChannelsLast));
    const auto expected = reference(x, 1);  // exact inputs, float32 arithmetic
    // One rounding to bf16: at most half a unit in the last place (2^-8 relative), plus the
    // float32 summation order.
    const auto error = (got.to(torch::kFloat32) - expected).abs();
    const auto bound = expected.abs() * (1.0 / 256) + 1e-6;
    EXPECT_TRUE((error <= bound).all().item<bool>())
        << "worst excess " << (error - bound).max().item<double>();
}

TEST(UpsamplePad, ChannelsFirstUsesLibTorchAndKeepsTheLayout) {
    torch::manual_seed(13);
    const auto x = torch::randn({1, 6, 5, 8});
    const auto got = upsample2_bilinear_padded(x, 1);
    EXPECT_TRUE(got.is_contiguous());
    EXPECT_TRUE(torch::equal(got, reference(x, 1)));
    const auto bf16 = upsample2_bilinear_padded(x.to(torch::kBFloat16), 1);
    EXPECT_EQ(bf16.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(bf16, reference(x.to(torch::kBFloat16), 1).to(torch::kBFloat16)));
}

TEST(UpsamplePad, PadsLargerThanTheUpsampledMapAreRefused) {
    const auto x = torch::zeros({1, 2, 1, 4}).contiguous(torch::MemoryFormat::ChannelsLast);
    EXPECT_THROW(upsample2_bilinear_padded(x, 2), Error);  // 2 rows after upsampling
    EXPECT_THROW(upsample2_bilinear_padded(torch::zeros({2, 3, 4}), 1), Error);
}

}  // namespace
}  // namespace stylecam
