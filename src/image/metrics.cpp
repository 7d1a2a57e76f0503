#include "image/metrics.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>

namespace stylecam {
namespace {

void check_pair(const cv::Mat& a, const cv::Mat& b) {
    STYLECAM_CHECK(a.type() == CV_8UC3 && b.type() == CV_8UC3 && a.size() == b.size() && !a.empty(),
                   "metrics: expected two CV_8UC3 images of the same size");
}

double psnr_from_mse(double mse) {
    if (mse == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(255.0 * 255.0 / mse);
}

double mean_abs_laplacian(const cv::Mat& bgr) {
    STYLECAM_CHECK(bgr.type() == CV_8UC3 && !bgr.empty(), "detail_ratio: expected CV_8UC3 images");
    cv::Mat grey, grey_f, laplacian;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    grey.convertTo(grey_f, CV_32F);
    cv::Laplacian(grey_f, laplacian, CV_32F, 1);
    return cv::mean(cv::abs(laplacian))[0];
}

}  // namespace

double psnr(const cv::Mat& a, const cv::Mat& b) {
    check_pair(a, b);
    return psnr_from_mse(cv::norm(a, b, cv::NORM_L2SQR) /
                         static_cast<double>(a.total() * a.channels()));
}

double ssim(const cv::Mat& a, const cv::Mat& b) {
    check_pair(a, b);
    constexpr double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
    cv::Mat x, y;
    a.convertTo(x, CV_64F);
    b.convertTo(y, CV_64F);
    const auto blur = [](const cv::Mat& m) {
        cv::Mat out;
        cv::GaussianBlur(m, out, cv::Size(11, 11), 1.5);
        return out;
    };
    const cv::Mat mu_x = blur(x), mu_y = blur(y);
    const cv::Mat mu_x2 = mu_x.mul(mu_x), mu_y2 = mu_y.mul(mu_y), mu_xy = mu_x.mul(mu_y);
    const cv::Mat sigma_x2 = blur(x.mul(x)) - mu_x2;
    const cv::Mat sigma_y2 = blur(y.mul(y)) - mu_y2;
    const cv::Mat sigma_xy = blur(x.mul(y)) - mu_xy;
    cv::Mat numerator = (2 * mu_xy + c1).mul(2 * sigma_xy + c2);
    cv::Mat denominator = (mu_x2 + mu_y2 + c1).mul(sigma_x2 + sigma_y2 + c2);
    cv::Mat map;
    cv::divide(numerator, denominator, map);
    const cv::Scalar mean = cv::mean(map);
    return (mean[0] + mean[1] + mean[2]) / 3.0;
}

double detail_ratio(const cv::Mat& output, const cv::Mat& reference) {
    const double ours = mean_abs_laplacian(output), theirs = mean_abs_laplacian(reference);
    if (theirs == 0) return ours == 0 ? 1.0 : std::numeric_limits<double>::infinity();
    return ours / theirs;
}

double lowpass_psnr(const cv::Mat& a, const cv::Mat& b, double sigma) {
    check_pair(a, b);
    STYLECAM_CHECK(sigma > 0, "lowpass_psnr: sigma must be positive, got ", sigma);
    const int side = 2 * static_cast<int>(std::ceil(4 * sigma)) + 1;
    cv::Mat a_f, b_f, a_blur, b_blur;
    a.convertTo(a_f, CV_32F);
    b.convertTo(b_f, CV_32F);
    cv::GaussianBlur(a_f, a_blur, cv::Size(side, side), sigma, sigma, cv::BORDER_REFLECT_101);
    cv::GaussianBlur(b_f, b_blur, cv::Size(side, side), sigma, sigma, cv::BORDER_REFLECT_101);
    return psnr_from_mse(cv::norm(a_blur, b_blur, cv::NORM_L2SQR) /
                         static_cast<double>(a.total() * a.channels()));
}

}  // namespace stylecam
