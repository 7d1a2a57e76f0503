#include "image/loss_plot.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

int pixels_of(const cv::Mat& image, const cv::Scalar& color) {
    cv::Mat mask;
    cv::inRange(image, color - cv::Scalar(30, 30, 30), color + cv::Scalar(30, 30, 30), mask);
    return cv::countNonZero(mask);
}

TEST(LossPlot, DrawsEverySeriesOnALogScale) {
    PlotSeries falling{"style", {1e6, 1e5, 1e4, 1e3}, cv::Scalar(0, 0, 200)};
    PlotSeries flat{"content", {0.0, 50, 50, 50}, cv::Scalar(200, 120, 0)};  // 0 is skipped
    const cv::Mat plot = plot_loss_curves({falling, flat}, "test", {400, 300});
    ASSERT_EQ(plot.size(), cv::Size(400, 300));
    EXPECT_GT(pixels_of(plot, falling.color), 200);
    EXPECT_GT(pixels_of(plot, flat.color), 100);
    // On a log scale a geometric fall is a straight line: its midpoint is halfway down.
    cv::Mat red;
    cv::inRange(plot, cv::Scalar(0, 0, 170), cv::Scalar(40, 40, 255), red);
    const cv::Moments m = cv::moments(red(cv::Rect(70, 40, 310, 210)), true);
    EXPECT_NEAR(m.m01 / m.m00, 105, 25);
}

TEST(LossPlot, EmptyOrNonPositiveSeriesGiveAnEmptyChart) {
    const cv::Mat plot = plot_loss_curves({{"none", {0.0, -1.0}, cv::Scalar(0, 0, 255)}}, "empty");
    EXPECT_EQ(plot.type(), CV_8UC3);
    EXPECT_EQ(pixels_of(plot, cv::Scalar(0, 0, 255)), 0);
}

}  // namespace
}  // namespace stylecam
