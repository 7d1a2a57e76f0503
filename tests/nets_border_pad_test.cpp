/// The bulk-copy reflection and replication pads equal LibTorch's operators bit for bit, for
/// float32 and bf16, channels-first and channels-last, odd sizes, pads up to the largest that
/// fits, and refuse a reflection pad that does not fit with one line.

#include "core/error.h"
#include "nets/border_pad.h"

#include <gtest/gtest.h>

namespace stylecam {
namespace {

struct Case {
    int64_t n, c, h, w, pad;
};

const Case kCases[] = {{1, 3, 5, 7, 1}, {2, 4, 6, 5, 2}, {1, 16, 9, 11, 4}, {1, 2, 3, 3, 2},
                       {1, 1, 2, 9, 1}, {1, 5, 4, 4, 0}, {2, 12, 24, 32, 2}};

TEST(BorderPad, ReflectionEqualsLibTorchBitForBit) {
    torch::manual_seed(21);
    for (const auto dtype : {torch::kFloat32, torch::kBFloat16})
        for (const auto format :
             {torch::MemoryFormat::Contiguous, torch::MemoryFormat::ChannelsLast})
            for (const Case& k : kCases) {
                const auto x = torch::randn({k.n, k.c, k.h, k.w}).to(dtype).contiguous(format);
                // LibTorch 1.13 pads no bf16 on the CPU: its float32 pad, converted back, is exact.
                const auto expected = torch::reflection_pad2d(x.contiguous().to(torch::kFloat32),
                                                              {k.pad, k.pad, k.pad, k.pad})
                                          .to(dtype);
                const auto got = reflection_pad(x, k.pad);
                ASSERT_EQ(got.sizes(), expected.sizes());
                EXPECT_TRUE(torch::equal(got, expected))
                    << k.h << "×" << k.w << " pad " << k.pad << " " << dtype;
                if (k.pad > 0) {
                    EXPECT_TRUE(got.is_contiguous(x.suggest_memory_format()));
                }
            }
}

TEST(BorderPad, ReplicationEqualsLibTorchBitForBit) {
    torch::manual_seed(22);
    for (const auto format : {torch::MemoryFormat::Contiguous, torch::MemoryFormat::ChannelsLast})
        for (const Case& k : {Case{1, 3, 5, 7, 1}, Case{1, 2, 1, 1, 3}, Case{2, 8, 6, 4, 2}}) {
            const auto x = torch::randn({k.n, k.c, k.h, k.w}).contiguous(format);
            const auto expected =
                torch::replication_pad2d(x.contiguous(), {k.pad, k.pad, k.pad, k.pad});
            EXPECT_TRUE(torch::equal(replication_pad(x, k.pad), expected))
                << k.h << "×" << k.w << " pad " << k.pad;
        }
}

TEST(BorderPad, AReflectionWiderThanTheMapIsAnError) {
    const auto x = torch::zeros({1, 1, 2, 5});
    try {
        reflection_pad(x, 2);
        FAIL() << "expected an error";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("do not fit a 2×5 map"), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace stylecam
