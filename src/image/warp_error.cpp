#include "image/warp_error.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <limits>

namespace stylecam {
namespace {

void check_frames(const cv::Mat& a, const cv::Mat& b, const char* what) {
    STYLECAM_CHECK(!a.empty() && a.type() == CV_8UC3 && b.type() == CV_8UC3 && a.size() == b.size(),
                   what, ": expected CV_8UC3 frames of one size");
}

cv::Mat grey(const cv::Mat& bgr) {
    cv::Mat out;
    cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
    return out;
}

}  // namespace

PairFlow pair_flow(const cv::Mat& previous, const cv::Mat& current, int dis_preset) {
    check_frames(previous, current, "pair_flow");
    const cv::Mat previous_grey = grey(previous), current_grey = grey(current);
    auto dis = cv::DISOpticalFlow::create(dis_preset);
    cv::Mat backward, forward;  // CV_32FC2; backward lives in frame t, forward in frame t−1
    dis->calc(current_grey, previous_grey, backward);
    dis->calc(previous_grey, current_grey, forward);

    const int rows = current.rows, cols = current.cols;
    PairFlow flow;
    flow.map_x.create(rows, cols, CV_32FC1);
    flow.map_y.create(rows, cols, CV_32FC1);
    for (int y = 0; y < rows; ++y) {
        const auto* b = backward.ptr<cv::Vec2f>(y);
        auto* mx = flow.map_x.ptr<float>(y);
        auto* my = flow.map_y.ptr<float>(y);
        for (int x = 0; x < cols; ++x) {
            mx[x] = static_cast<float>(x) + b[x][0];
            my[x] = static_cast<float>(y) + b[x][1];
        }
    }
    // The forward flow seen from frame t: w̃_f(x) = w_f(x + w_b(x)).
    cv::Mat forward_at_t;
    cv::remap(forward, forward_at_t, flow.map_x, flow.map_y, cv::INTER_LINEAR,
              cv::BORDER_REPLICATE);
    flow.reliable = cv::Mat::zeros(rows, cols, CV_8UC1);
    const float max_x = static_cast<float>(cols - 1), max_y = static_cast<float>(rows - 1);
    for (int y = 0; y < rows; ++y) {
        const auto* b = backward.ptr<cv::Vec2f>(y);
        const auto* f = forward_at_t.ptr<cv::Vec2f>(y);
        const auto* mx = flow.map_x.ptr<float>(y);
        const auto* my = flow.map_y.ptr<float>(y);
        auto* ok = flow.reliable.ptr<uchar>(y);
        for (int x = 0; x < cols; ++x) {
            if (mx[x] < 0 || my[x] < 0 || mx[x] > max_x || my[x] > max_y) continue;
            const float sx = f[x][0] + b[x][0], sy = f[x][1] + b[x][1];
            const float ff = f[x][0] * f[x][0] + f[x][1] * f[x][1];
            const float bb = b[x][0] * b[x][0] + b[x][1] * b[x][1];
            if (sx * sx + sy * sy <= 0.01f * (ff + bb) + 0.5f) ok[x] = 255;
        }
    }
    return flow;
}

double warped_difference(const PairFlow& flow, const cv::Mat& previous, const cv::Mat& current) {
    check_frames(previous, current, "warped_difference");
    STYLECAM_CHECK(flow.reliable.size() == current.size(),
                   "warped_difference: the flow is for another frame size");
    const int count = cv::countNonZero(flow.reliable);
    if (count == 0) return 0;
    cv::Mat previous_f, current_f, warped, difference;
    previous.convertTo(previous_f, CV_32F);
    current.convertTo(current_f, CV_32F);
    cv::remap(previous_f, warped, flow.map_x, flow.map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::absdiff(current_f, warped, difference);
    const cv::Scalar mean = cv::mean(difference, flow.reliable);
    return (mean[0] + mean[1] + mean[2]) / 3.0;
}

WarpErrorMeter::WarpErrorMeter(int series, int dis_preset)
    : dis_preset_(dis_preset), sums_(static_cast<size_t>(series), 0.0) {
    STYLECAM_CHECK(series >= 1, "WarpErrorMeter: needs at least one series, got ", series);
}

void WarpErrorMeter::add(const cv::Mat& input, const std::vector<cv::Mat>& series) {
    STYLECAM_CHECK(series.size() == sums_.size(), "WarpErrorMeter: expected ", sums_.size(),
                   " series frames, got ", series.size());
    for (const auto& frame : series) check_frames(input, frame, "WarpErrorMeter");
    if (!previous_input_.empty()) {
        check_frames(previous_input_, input, "WarpErrorMeter");
        const PairFlow flow = pair_flow(previous_input_, input, dis_preset_);
        for (size_t i = 0; i < series.size(); ++i)
            sums_[i] += warped_difference(flow, previous_series_[i], series[i]);
        reliable_sum_ +=
            cv::countNonZero(flow.reliable) / static_cast<double>(flow.reliable.total());
        ++pairs_;
    }
    previous_input_ = input.clone();
    previous_series_.clear();
    for (const auto& frame : series) previous_series_.push_back(frame.clone());
}

double WarpErrorMeter::mean(int series) const {
    STYLECAM_CHECK(series >= 0 && series < static_cast<int>(sums_.size()),
                   "WarpErrorMeter: no series ", series);
    if (pairs_ == 0) return std::numeric_limits<double>::quiet_NaN();
    return sums_[static_cast<size_t>(series)] / pairs_;
}

double WarpErrorMeter::reliable_fraction() const {
    return pairs_ == 0 ? 0.0 : reliable_sum_ / pairs_;
}

double warp_error(const std::vector<cv::Mat>& input, const std::vector<cv::Mat>& stylized,
                  int dis_preset) {
    STYLECAM_CHECK(input.size() == stylized.size() && input.size() >= 2,
                   "warp_error: expected two sequences of equal length ≥ 2, got ", input.size(),
                   " and ", stylized.size());
    WarpErrorMeter meter(1, dis_preset);
    for (size_t i = 0; i < input.size(); ++i) meter.add(input[i], {stylized[i]});
    return meter.mean(0);
}

}  // namespace stylecam
