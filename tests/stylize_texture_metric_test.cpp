/// The texture distance on pictures (stylize/texture_metric.h): 0 for equal images, small for a
/// 1-pixel shift, clearly larger for a blur. The shared VGG19 file gives the real figures; a
/// tiny random VGG checks the plumbing without it.

#include "core/error.h"
#include "stylize/texture_metric.h"
#include "test_support.h"

#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

std::string shared_vgg() {
    return testing::shared_dir() + "/weights/vgg19-conv1_1-conv3_4.safetensors";
}

/// A fine random texture with some larger structure: a stand-in for a stylized picture.
cv::Mat painting_like(int rows, int cols, int seed) {
    cv::Mat fine = testing::smooth_noise(rows, cols, seed), coarse;
    cv::GaussianBlur(testing::smooth_noise(rows, cols, seed + 1), coarse, cv::Size(0, 0), 6);
    cv::normalize(coarse, coarse, 0, 255, cv::NORM_MINMAX);
    cv::Mat mixed;
    cv::addWeighted(fine, 0.6, coarse, 0.4, 0, mixed);
    return mixed;
}

cv::Mat shifted_by_one(const cv::Mat& image) {
    cv::Mat out;
    cv::copyMakeBorder(image, out, 0, 0, 1, 0, cv::BORDER_REPLICATE);
    return out(cv::Rect(0, 0, image.cols, image.rows)).clone();
}

TEST(TextureMetric, ZeroForEqualSmallForAShiftLargeForABlur) {
    STYLECAM_REQUIRE_FILE(shared_vgg());
    TextureMetric metric(shared_vgg());
    const cv::Mat image = painting_like(96, 128, 31);
    EXPECT_NEAR(metric.distance(image, image), 0.0, 1e-6);
    const double shift = metric.distance(shifted_by_one(image), image);
    cv::Mat soft;
    cv::GaussianBlur(image, soft, cv::Size(0, 0), 1.5);
    const double blur = metric.distance(soft, image);
    EXPECT_LT(shift, 0.05);
    EXPECT_GT(blur, 0.2);
    EXPECT_GT(blur, 5 * shift) << "shift " << shift << ", blur " << blur;
    // Sizes may differ: Gram matrices are normalised by the feature size.
    const cv::Mat crop = image(cv::Rect(0, 0, 96, 96)).clone();
    EXPECT_LT(metric.distance(crop, image), 0.5 * blur);
}

TEST(TextureMetric, RunsOnATinyVggAndRefusesOneTooShallow) {
    TextureMetric metric(Vgg19Features(testing::tiny_vgg(), "tiny.safetensors"));
    const cv::Mat image = testing::smooth_noise(24, 32, 3);
    EXPECT_NEAR(metric.distance(image, image), 0.0, 1e-6);
    EXPECT_GT(metric.distance(cv::Mat(24, 32, CV_8UC3, cv::Scalar(9, 200, 30)), image), 0.0);
    EXPECT_THROW(metric.distance(cv::Mat(24, 32, CV_8UC1), image), Error);
    try {
        TextureMetric shallow(
            Vgg19Features(testing::tiny_vgg("BGR", "0-255", "103.939,116.779,123.68", "1,1,1", 3),
                          "two.safetensors"));
        FAIL() << "a VGG without conv3_1 was accepted";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("two.safetensors: the texture distance needs"),
                  std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace stylecam
