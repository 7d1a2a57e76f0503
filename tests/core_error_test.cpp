#include "core/error.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <new>
#include <stdexcept>

namespace stylecam {
namespace {

TEST(OutOfMemory, RecognisesTheAllocatorsOwnFailures) {
    EXPECT_TRUE(is_out_of_memory(std::bad_alloc()));
    // LibTorch's CPU allocator refusing an impossible tensor (2^50 bytes).
    bool thrown = false;
    try {
        auto tensor = torch::empty({int64_t{1} << 50}, torch::kByte);
    } catch (const std::exception& error) {
        thrown = true;
        EXPECT_TRUE(is_out_of_memory(error)) << error.what();
    }
    EXPECT_TRUE(thrown);
    EXPECT_TRUE(
        is_out_of_memory(std::runtime_error("CUDA out of memory. Tried to allocate 2 GiB")));
}

TEST(OutOfMemory, IgnoresAllocatorNamesInTheBacktrace) {
    // Any LibTorch error carries a backtrace whose frames may name allocator functions.
    const std::runtime_error shape_error(
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension "
        "1\nException raised from infer_size_impl at ../aten/src/ATen/ExpandUtils.cpp:35\n"
        "frame #0: c10::alloc_cpu(unsigned long) + 0x10\nframe #1: out of memory handler");
    EXPECT_FALSE(is_out_of_memory(shape_error));
    // A real shape mismatch from LibTorch.
    try {
        auto sum = torch::ones({3}) + torch::ones({4});
        ADD_FAILURE() << "no error for mismatched shapes";
    } catch (const std::exception& error) {
        EXPECT_FALSE(is_out_of_memory(error)) << error.what();
    }
}

}  // namespace
}  // namespace stylecam
