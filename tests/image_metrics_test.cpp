#include "image/metrics.h"
#include "test_support.h"

#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

TEST(Metrics, PsnrOfAKnownError) {
    const cv::Mat a(8, 8, CV_8UC3, cv::Scalar(100, 100, 100));
    const cv::Mat b(8, 8, CV_8UC3, cv::Scalar(110, 100, 100));  // mse = 100 / 3
    EXPECT_NEAR(psnr(a, b), 10 * std::log10(255.0 * 255.0 / (100.0 / 3)), 1e-9);
    EXPECT_TRUE(std::isinf(psnr(a, a)));
}

TEST(Metrics, SsimIsOneForEqualImagesAndFallsWithNoise) {
    const cv::Mat image = testing::smooth_noise(64, 64, 3);
    EXPECT_NEAR(ssim(image, image), 1.0, 1e-12);
    cv::Mat noisy = image.clone(), noise(image.size(), CV_8UC3);
    cv::randn(noise, 0, 10);
    cv::add(image, noise, noisy);
    const double slightly = ssim(image, noisy);
    cv::randn(noise, 0, 60);
    cv::add(image, noise, noisy);
    EXPECT_LT(ssim(image, noisy), slightly);
    EXPECT_LT(slightly, 1.0);
    // A uniform shift changes only the luminance term a little.
    EXPECT_GT(ssim(image, image + cv::Scalar(5, 5, 5)), 0.95);
    EXPECT_ANY_THROW(ssim(image, cv::Mat(3, 3, CV_8UC3)));
}

/// A smooth random texture shifted right by `dx` px (the left columns repeated).
cv::Mat shifted(const cv::Mat& image, int dx) {
    cv::Mat out;
    cv::copyMakeBorder(image, out, 0, 0, dx, 0, cv::BORDER_REPLICATE);
    return out(cv::Rect(0, 0, image.cols, image.rows)).clone();
}

cv::Mat blurred(const cv::Mat& image, double sigma) {
    cv::Mat out;
    cv::GaussianBlur(image, out, cv::Size(0, 0), sigma);
    return out;
}

TEST(Metrics, DetailRatioIsOneForEqualImagesAndFallsWithBlur) {
    const cv::Mat image = testing::smooth_noise(64, 80, 4);
    EXPECT_DOUBLE_EQ(detail_ratio(image, image), 1.0);
    EXPECT_NEAR(detail_ratio(shifted(image, 1), image), 1.0, 0.05);
    const double soft = detail_ratio(blurred(image, 1.5), image);
    EXPECT_LT(soft, 0.6);
    EXPECT_LT(detail_ratio(blurred(image, 3.0), image), soft);
    EXPECT_GT(detail_ratio(image, blurred(image, 1.5)), 1.6);  // the other way round
    // A flat reference: only a flat output has the same (no) detail.
    const cv::Mat flat(16, 16, CV_8UC3, cv::Scalar(50, 60, 70));
    EXPECT_DOUBLE_EQ(detail_ratio(flat, flat), 1.0);
    EXPECT_TRUE(std::isinf(detail_ratio(image, flat)));
    // Sizes may differ: a mean per pixel.
    EXPECT_NO_THROW(detail_ratio(image, cv::Mat(image, cv::Rect(0, 0, 40, 30))));
    EXPECT_ANY_THROW(detail_ratio(cv::Mat(8, 8, CV_8UC1), image));
}

TEST(Metrics, DetailRatioByHand) {
    // Grey 0 with one pixel of 100 in the middle of 5×5: the Laplacian is −400 there and 100 at
    // its four neighbours, so the mean |Laplacian| is 800 / 25 = 32; doubling it doubles that.
    cv::Mat dot(5, 5, CV_8UC3, cv::Scalar::all(0)), brighter = dot.clone();
    dot.at<cv::Vec3b>(2, 2) = {100, 100, 100};
    brighter.at<cv::Vec3b>(2, 2) = {200, 200, 200};
    EXPECT_NEAR(detail_ratio(brighter, dot), 2.0, 1e-6);
}

TEST(Metrics, LowpassPsnrIgnoresStrokePhaseButNotColour) {
    cv::Mat image(64, 80, CV_8UC3);  // a fine texture (white noise), 40..168: no clipping below
    cv::theRNG().state = 5;
    cv::randu(image, 40, 169);
    EXPECT_TRUE(std::isinf(lowpass_psnr(image, image)));
    // A uniform colour difference survives the blur unchanged: the same as plain PSNR.
    const cv::Mat tinted = image + cv::Scalar(0, 0, 10);
    EXPECT_NEAR(lowpass_psnr(image, tinted), psnr(image, tinted), 1e-6);
    // A 1-pixel shift of a fine texture costs plain PSNR a lot and low-pass PSNR little.
    const cv::Mat moved = shifted(image, 1);
    EXPECT_LT(psnr(image, moved), 30);
    EXPECT_GT(lowpass_psnr(image, moved), psnr(image, moved) + 15);
    // A blur keeps the low frequencies: high low-pass PSNR too.
    EXPECT_GT(lowpass_psnr(image, blurred(image, 1.5)), 40);
    EXPECT_ANY_THROW(lowpass_psnr(image, cv::Mat(3, 3, CV_8UC3)));
}

}  // namespace
}  // namespace stylecam
