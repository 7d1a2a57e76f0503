#include "image/warp_error.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>

namespace stylecam {
namespace {

/// Input motion (px) above which a pixel moves, and how far (px) from such a pixel a still one
/// must be (a moving object's surroundings re-form with it).
constexpr float kStillMotion = 0.5f;
constexpr int kStillMargin = 16;

void check_frames(const cv::Mat& a, const cv::Mat& b, const char* what) {
    STYLECAM_CHECK(!a.empty() && a.type() == CV_8UC3 && b.type() == CV_8UC3 && a.size() == b.size(),
                   what, ": expected CV_8UC3 frames of one size");
}

/// |current − warp(previous)| per pixel and channel, CV_32FC3.
cv::Mat warped_absdiff(const PairFlow& flow, const cv::Mat& previous, const cv::Mat& current) {
    check_frames(previous, current, "warped_difference");
    STYLECAM_CHECK(flow.reliable.size() == current.size(),
                   "warped_difference: the flow is for another frame size");
    cv::Mat previous_f, current_f, warped, difference;
    previous.convertTo(previous_f, CV_32F);
    current.convertTo(current_f, CV_32F);
    cv::remap(previous_f, warped, flow.map_x, flow.map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::absdiff(current_f, warped, difference);
    return difference;
}

/// Mean of `difference` over the pixels of `mask` and its three channels; NaN for an empty mask.
double masked_mean(const cv::Mat& difference, const cv::Mat& mask) {
    STYLECAM_CHECK(mask.size() == difference.size(),
                   "warped_difference: the mask is for another frame size");
    if (cv::countNonZero(mask) == 0) return std::numeric_limits<double>::quiet_NaN();
    const cv::Scalar mean = cv::mean(difference, mask);
    return (mean[0] + mean[1] + mean[2]) / 3.0;
}

/// The warp error over the reliable pixels: 0 when there are none.
double reliable_mean(const cv::Mat& difference, const PairFlow& flow) {
    const double value = masked_mean(difference, flow.reliable);
    return std::isnan(value) ? 0.0 : value;
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
    // Still: reliable, and no pixel within kStillMargin moves by more than kStillMotion px.
    std::vector<cv::Mat> components;
    cv::split(backward, components);
    cv::Mat magnitude;
    cv::magnitude(components[0], components[1], magnitude);
    const cv::Mat moving = magnitude > kStillMotion;
    cv::Mat near_motion;
    cv::dilate(moving, near_motion,
               cv::getStructuringElement(cv::MORPH_RECT,
                                         cv::Size(2 * kStillMargin + 1, 2 * kStillMargin + 1)));
    flow.still = flow.reliable & ~near_motion;
    return flow;
}

double warped_difference(const PairFlow& flow, const cv::Mat& previous, const cv::Mat& current) {
    return reliable_mean(warped_absdiff(flow, previous, current), flow);
}

double warped_difference(const PairFlow& flow, const cv::Mat& previous, const cv::Mat& current,
                         const cv::Mat& mask) {
    return masked_mean(warped_absdiff(flow, previous, current), mask);
}

WarpErrorMeter::WarpErrorMeter(int series, int dis_preset)
    : dis_preset_(dis_preset),
      sums_(static_cast<size_t>(series), 0.0),
      still_sums_(static_cast<size_t>(series), 0.0),
      moving_sums_(static_cast<size_t>(series), 0.0) {
    STYLECAM_CHECK(series >= 1, "WarpErrorMeter: needs at least one series, got ", series);
}

void WarpErrorMeter::add(const cv::Mat& input, const std::vector<cv::Mat>& series) {
    STYLECAM_CHECK(series.size() == sums_.size(), "WarpErrorMeter: expected ", sums_.size(),
                   " series frames, got ", series.size());
    for (const auto& frame : series) check_frames(input, frame, "WarpErrorMeter");
    if (!previous_input_.empty()) {
        check_frames(previous_input_, input, "WarpErrorMeter");
        const PairFlow flow = pair_flow(previous_input_, input, dis_preset_);
        const cv::Mat moving = flow.reliable & ~flow.still;
        const bool any_still = cv::countNonZero(flow.still) > 0;
        const bool any_moving = cv::countNonZero(moving) > 0;
        for (size_t i = 0; i < series.size(); ++i) {  // one warp per series, three means
            const cv::Mat difference = warped_absdiff(flow, previous_series_[i], series[i]);
            sums_[i] += reliable_mean(difference, flow);
            if (any_still) still_sums_[i] += masked_mean(difference, flow.still);
            if (any_moving) moving_sums_[i] += masked_mean(difference, moving);
        }
        still_pairs_ += any_still;
        moving_pairs_ += any_moving;
        reliable_sum_ +=
            cv::countNonZero(flow.reliable) / static_cast<double>(flow.reliable.total());
        still_sum_ += cv::countNonZero(flow.still) / static_cast<double>(flow.still.total());
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

double WarpErrorMeter::mean_still(int series) const {
    mean(series);  // checks the index
    if (still_pairs_ == 0) return std::numeric_limits<double>::quiet_NaN();
    return still_sums_[static_cast<size_t>(series)] / still_pairs_;
}

double WarpErrorMeter::mean_moving(int series) const {
    mean(series);
    if (moving_pairs_ == 0) return std::numeric_limits<double>::quiet_NaN();
    return moving_sums_[static_cast<size_t>(series)] / moving_pairs_;
}

double WarpErrorMeter::still_fraction() const { return pairs_ == 0 ? 0.0 : still_sum_ / pairs_; }

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
