#include "core/error.h"
#include "nets/norm_timeline.h"
#include "nets/transformer_net.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace stylecam {
namespace {

InstanceStatistics stats(std::vector<float> mean, std::vector<float> variance) {
    const auto n = static_cast<int64_t>(mean.size());
    return {torch::tensor(mean).view({1, n}), torch::tensor(variance).view({1, n})};
}

void expect_stats(const InstanceStatistics& got, std::vector<float> mean,
                  std::vector<float> variance) {
    const auto expected = stats(mean, variance);
    EXPECT_TRUE(torch::allclose(got.mean, expected.mean, 1e-6, 1e-6)) << got.mean;
    EXPECT_TRUE(torch::allclose(got.variance, expected.variance, 1e-6, 1e-6)) << got.variance;
}

NormTimelineOptions smoothing(double share) {
    NormTimelineOptions options;
    options.smoothing = share;
    return options;
}

TEST(NormTimeline, EachFrameKeepsItsShareOfThePreviousFramesStatistics) {
    NormTimeline timeline(smoothing(0.75));  // α = 0.25
    // Frame 0 is a picture: its own statistics, at every layer.
    expect_stats(timeline.blend(0, 0, stats({1, 2}, {4, 1}), 8, 8), {1, 2}, {4, 1});
    expect_stats(timeline.blend(0, 1, stats({5}, {2}), 4, 4), {5}, {2});
    // Frame 1, a small change (d = 0.01 + 0.01 + ln(4.04/4)/2 + ln(1.01)/2 ≈ 0.03 < 0.1):
    // H = H0 + 0.25 (F − H0).
    expect_stats(timeline.blend(1, 0, stats({1.02f, 2.01f}, {4.04f, 1.01f}), 8, 8),
                 {1.005f, 2.0025f}, {4.01f, 1.0025f});
    expect_stats(timeline.blend(1, 1, stats({9}, {6}), 4, 4), {6}, {3});
    // Frame 2 blends with what frame 1 used, not with frame 1's own statistics.
    expect_stats(timeline.blend(2, 0, stats({1.005f, 2.0025f}, {4.01f, 1.0025f}), 8, 8),
                 {1.005f, 2.0025f}, {4.01f, 1.0025f});
    expect_stats(timeline.blend(2, 1, stats({2}, {3}), 4, 4), {5}, {3});
    EXPECT_EQ(timeline.cuts(), 0);
}

TEST(NormTimeline, ACutANewSizeOrARestartStartsAfresh) {
    NormTimeline timeline(smoothing(0.9));
    timeline.blend(0, 0, stats({1}, {4}), 8, 8);
    timeline.blend(0, 1, stats({1}, {4}), 4, 4);
    // A scene cut: the mean moves by half a standard deviation (d = 0.5).
    expect_stats(timeline.blend(1, 0, stats({2}, {4}), 8, 8), {2}, {4});
    expect_stats(timeline.blend(1, 1, stats({7}, {9}), 4, 4), {7}, {9});  // every layer its own
    EXPECT_EQ(timeline.cuts(), 1);
    // Same statistics at another size (auto scale's rung): its own, not a cut.
    expect_stats(timeline.blend(2, 0, stats({3}, {4}), 16, 16), {3}, {4});
    EXPECT_EQ(timeline.cuts(), 1);
    // The chain starts again at frame 10; frames before it are pictures and wait for nothing.
    timeline.restart(10);
    expect_stats(timeline.blend(4, 0, stats({8}, {8}), 16, 16), {8}, {8});
    expect_stats(timeline.blend(10, 0, stats({5}, {4}), 16, 16), {5}, {4});
    expect_stats(timeline.blend(11, 0, stats({5.1f}, {4}), 16, 16), {5.01f}, {4});
    // Smoothing 0: every frame its own statistics.
    NormTimeline off(smoothing(0));
    off.blend(0, 0, stats({1}, {4}), 8, 8);
    expect_stats(off.blend(1, 0, stats({1.1f}, {4.1f}), 8, 8), {1.1f}, {4.1f});
}

TEST(NormTimeline, ConsecutiveFramesOnTwoThreadsComputeWhatOneThreadDoes) {
    const std::vector<std::vector<InstanceStatistics>> fresh = {
        {stats({1, 2}, {4, 1}), stats({3}, {2}), stats({0}, {1})},
        {stats({1.02f, 2.01f}, {4.04f, 1.01f}), stats({3.5f}, {2.2f}), stats({1}, {3})},
        {stats({1.01f, 2.02f}, {4.02f, 1.02f}), stats({2.5f}, {1.8f}), stats({-1}, {2})}};
    NormTimeline sequential(smoothing(0.8));
    std::vector<std::vector<InstanceStatistics>> expected(3);
    for (int frame = 0; frame < 3; ++frame)
        for (int layer = 0; layer < 3; ++layer)
            expected[frame].push_back(sequential.blend(frame, layer, fresh[frame][layer], 8, 8));

    NormTimeline shared(smoothing(0.8));
    std::vector<std::vector<InstanceStatistics>> got(3, std::vector<InstanceStatistics>(3));
    const auto run = [&](int frame) {
        for (int layer = 0; layer < 3; ++layer)
            got[frame][layer] = shared.blend(frame, layer, fresh[frame][layer], 8, 8);
    };
    // Frames 2 and 1 start first and must wait for the frames before them.
    std::thread third(run, 2), second(run, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    run(0);
    second.join();
    third.join();
    for (int frame = 0; frame < 3; ++frame)
        for (int layer = 0; layer < 3; ++layer) {
            EXPECT_TRUE(torch::equal(got[frame][layer].mean, expected[frame][layer].mean));
            EXPECT_TRUE(torch::equal(got[frame][layer].variance, expected[frame][layer].variance));
        }
}

TEST(NormTimeline, AFailedFrameOrAClosedTimelineBlocksNothing) {
    NormTimeline timeline(smoothing(0.9));
    timeline.blend(0, 0, stats({1}, {4}), 8, 8);
    timeline.fail(1);  // frame 1 was never run: frame 2 starts the chain again
    expect_stats(timeline.blend(2, 0, stats({1.01f}, {4}), 8, 8), {1.01f}, {4});
    expect_stats(timeline.blend(3, 0, stats({1.11f}, {4}), 8, 8), {1.02f}, {4});
    // A waiter for a frame that never comes is released by close().
    std::thread waiter(
        [&] { expect_stats(timeline.blend(9, 0, stats({2}, {2}), 8, 8), {2}, {2}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    timeline.close();
    waiter.join();
    EXPECT_THROW(NormTimeline(smoothing(1.0)), Error);
    EXPECT_THROW(NormTimeline(smoothing(-0.1)), Error);
}

/// A 128×128 picture of smooth random colours, 0..255.
torch::Tensor smooth_picture(int seed) {
    torch::manual_seed(seed);
    const auto coarse = torch::rand({1, 3, 6, 6}) * 255;
    return torch::upsample_bilinear2d(coarse, {128, 128}, false);
}

TEST(NormTimeline, ARepeatedFrameGivesThePictureAndAFarChangeBarelyMovesTheRest) {
    torch::NoGradGuard no_grad;
    torch::manual_seed(3);
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    net->eval();
    const auto still = smooth_picture(4);
    const auto picture = net->forward(still);
    NormTimeline timeline(smoothing(0.9));
    for (int64_t index = 0; index < 3; ++index) {
        NormFrame frame{&timeline, index};
        EXPECT_TRUE(torch::equal(net->forward(still, &frame), picture)) << "frame " << index;
        EXPECT_EQ(frame.layer, 5 + 2);  // in1..in5 and the block's two
    }
    // The next frame changes a 12×12 corner. Far from it (beyond the receptive field) only the
    // statistics reach: with per-frame statistics the whole picture shifts; carried over, it
    // moves far less (measured: 0.24 as much; 0.1 of each layer's change is taken in).
    auto moved = still.clone();
    moved.narrow(2, 0, 12).narrow(3, 0, 12).fill_(255);
    const auto far = [](const torch::Tensor& image) {
        return image.narrow(2, 88, 40).narrow(3, 88, 40);
    };
    const double alone = (far(net->forward(moved)) - far(picture)).abs().mean().item<double>();
    NormFrame next{&timeline, 3};
    const double carried =
        (far(net->forward(moved, &next)) - far(picture)).abs().mean().item<double>();
    EXPECT_GT(alone, 0.01);
    EXPECT_LT(carried, 0.4 * alone) << "alone " << alone << ", carried " << carried;
    EXPECT_EQ(timeline.cuts(), 0);
}

}  // namespace
}  // namespace stylecam
