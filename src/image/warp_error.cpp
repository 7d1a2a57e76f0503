#include "image/warp_error.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <limits>

namespace stylecam {
namespace {

void check_frames(const cv::Mat& a, const cv::Mat& b, const char* what) {
    STYLECAM_CHECK(!a.empty() && a.type() == CV_8UC3 && b.type() == CV_8UC3 && a.size() == b.size(),
                   what, ": expected CV_8UC3 frames of one size");
}

}  // namespace

PairFlow pair_flow(const cv::Mat& previous, const cv::Mat& current, int dis_preset) {
    check_frames(previous, current, "pair_flow");
    const cv::Mat previous_grey = grey_of(previous), current_grey = grey_of(current);
    DisFlow dis(dis_preset);
    // backward lives in frame t, forward in frame t−1
    const cv::Mat backward = dis.calc(current_grey, previous_grey);
    const cv::Mat forward = dis.calc(previous_grey, current_grey);
    PairFlow flow;
    flow_to_maps(backward, flow.map_x, flow.map_y);
    flow.reliable = consistent_flow_mask(backward, forward, flow.map_x, flow.map_y);
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
