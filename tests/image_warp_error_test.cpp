/// Warp error (image/warp_error.h) on constructed clips: a still one, a textured pattern moving
/// by a known shift, and "stylizations" of it that follow the motion or flicker.

#include "image/warp_error.h"
#include "test_support.h"

#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

/// Frame t of a large smooth texture seen through a 96×128 window moving by (3, 2) px a frame.
cv::Mat moving_frame(const cv::Mat& texture, int t) {
    return texture(cv::Rect(40 - 3 * t, 30 - 2 * t, 128, 96)).clone();
}

/// A fixed per-pixel colour mapping: follows the input's motion exactly.
cv::Mat inverted(const cv::Mat& frame) {
    cv::Mat out;
    cv::bitwise_not(frame, out);
    return out;
}

std::vector<cv::Mat> moving_clip(int frames) {
    // Blurred twice: a texture that optical flow can follow.
    cv::Mat texture = testing::smooth_noise(200, 240, 21);
    cv::GaussianBlur(texture, texture, cv::Size(0, 0), 2.0);
    cv::normalize(texture, texture, 0, 255, cv::NORM_MINMAX);
    std::vector<cv::Mat> clip;
    for (int t = 0; t < frames; ++t) clip.push_back(moving_frame(texture, t));
    return clip;
}

TEST(WarpError, AStillClipHasNone) {
    const cv::Mat frame = testing::smooth_noise(72, 96, 3);
    const std::vector<cv::Mat> clip(4, frame);
    EXPECT_NEAR(warp_error(clip, clip), 0.0, 1e-3);
    const PairFlow flow = pair_flow(frame, frame);
    EXPECT_EQ(cv::countNonZero(flow.reliable), static_cast<int>(frame.total()));
}

TEST(WarpError, TheFlowOfAKnownShift) {
    const auto clip = moving_clip(2);
    const PairFlow flow = pair_flow(clip[0], clip[1]);
    // Pixel (x, y) of frame 1 came from (x − 3, y − 2) of frame 0; the left and top strips
    // came from outside.
    const cv::Rect inner(16, 16, 96, 64);
    cv::Mat expected_x(flow.map_x.size(), CV_32F), expected_y(flow.map_y.size(), CV_32F);
    for (int y = 0; y < expected_x.rows; ++y)
        for (int x = 0; x < expected_x.cols; ++x) {
            expected_x.at<float>(y, x) = static_cast<float>(x - 3);
            expected_y.at<float>(y, x) = static_cast<float>(y - 2);
        }
    EXPECT_LT(cv::norm(flow.map_x(inner), expected_x(inner), cv::NORM_INF), 0.5);
    EXPECT_LT(cv::norm(flow.map_y(inner), expected_y(inner), cv::NORM_INF), 0.5);
    EXPECT_GT(cv::countNonZero(flow.reliable(inner)), 0.95 * inner.area());
    EXPECT_EQ(cv::countNonZero(flow.reliable.col(0)), 0);  // came from outside the frame
    EXPECT_EQ(cv::countNonZero(flow.reliable.row(0)), 0);
}

TEST(WarpError, SmallForMotionLargeForFlicker) {
    const auto clip = moving_clip(5);
    std::vector<cv::Mat> following, flickering;
    cv::theRNG().state = 77;
    for (const auto& frame : clip) {
        following.push_back(inverted(frame));
        cv::Mat noise(frame.size(), CV_8UC3);
        cv::randu(noise, 0, 256);
        flickering.push_back(noise);
    }
    WarpErrorMeter meter(3);
    EXPECT_TRUE(std::isnan(meter.mean(0)));
    for (size_t t = 0; t < clip.size(); ++t)
        meter.add(clip[t], {clip[t], following[t], flickering[t]});
    EXPECT_EQ(meter.pairs(), 4);
    EXPECT_LT(meter.mean(0), 1.0) << "the input itself";
    EXPECT_LT(meter.mean(1), 1.0) << "a per-pixel mapping of it";
    EXPECT_GT(meter.mean(2), 60.0) << "noise: |U − U'| of two uniform 0..255 values averages 85";
    EXPECT_GT(meter.reliable_fraction(), 0.8);
    EXPECT_NEAR(warp_error(clip, flickering), meter.mean(2), 1e-9);
}

TEST(WarpError, SplitsStillBackgroundFromMovingParts) {
    // Left half: a still texture; right half: a texture moving by (3, 2) px a frame.
    const auto moving = moving_clip(5);
    const cv::Mat background = testing::smooth_noise(96, 128, 5);
    std::vector<cv::Mat> clip, shimmering, following;
    cv::theRNG().state = 78;
    for (const auto& frame : moving) {
        cv::Mat combined = frame.clone();
        background(cv::Rect(0, 0, 64, 96)).copyTo(combined(cv::Rect(0, 0, 64, 96)));
        clip.push_back(combined);
        following.push_back(inverted(combined));
        // Noise on the still part only, 16 px and more away from the moving half.
        cv::Mat noisy = inverted(combined);
        cv::Mat noise(96, 40, CV_8UC3);
        cv::randu(noise, 0, 256);
        noise.copyTo(noisy(cv::Rect(0, 0, 40, 96)));
        shimmering.push_back(noisy);
    }
    const PairFlow flow = pair_flow(clip[0], clip[1]);
    EXPECT_EQ(cv::countNonZero(flow.still(cv::Rect(64, 16, 64, 64))), 0) << "moving half";
    EXPECT_GT(cv::countNonZero(flow.still(cv::Rect(0, 0, 44, 96))), 0.95 * 44 * 96)
        << "still half, away from the motion";
    WarpErrorMeter meter(2);
    for (size_t t = 0; t < clip.size(); ++t) meter.add(clip[t], {following[t], shimmering[t]});
    EXPECT_LT(meter.mean_still(0), 1.0);
    EXPECT_LT(meter.mean_moving(0), 1.0);
    EXPECT_GT(meter.mean_still(1), 40.0) << "the shimmer is all on still pixels";
    EXPECT_LT(meter.mean_moving(1), 1.0);
    EXPECT_NEAR(meter.still_fraction(), 44.0 / 128, 0.1);
    WarpErrorMeter empty(1);
    EXPECT_TRUE(std::isnan(empty.mean_still(0)));
    EXPECT_ANY_THROW(empty.mean_moving(1));
}

TEST(WarpError, RefusesMismatchedFrames) {
    const cv::Mat frame = testing::smooth_noise(32, 32, 1);
    WarpErrorMeter meter(1);
    EXPECT_ANY_THROW(meter.add(frame, {}));
    EXPECT_ANY_THROW(meter.add(frame, {cv::Mat(16, 16, CV_8UC3)}));
    EXPECT_ANY_THROW(warp_error({frame}, {frame}));
    EXPECT_ANY_THROW(pair_flow(frame, cv::Mat(32, 32, CV_8UC1)));
}

}  // namespace
}  // namespace stylecam
