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

}  // namespace
}  // namespace stylecam
