#include "image/temporal_stabilizer.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace stylecam {
namespace {

/// Photometric reliability of each pixel (CV_32FC1, 0..1) from the grey frame t, the previous
/// grey frame warped onto it, and the maps that warped it (0 where they leave the frame).
/// Returns the number of pixels whose weight is ≤ 0.5.
int photometric_weight(const cv::Mat& grey, const cv::Mat& warped_grey, const cv::Mat& map_x,
                       const cv::Mat& map_y, const StabilizerOptions& options, cv::Mat& weight) {
    weight.create(grey.size(), CV_32FC1);
    const float max_x = static_cast<float>(grey.cols - 1),
                max_y = static_cast<float>(grey.rows - 1);
    const float below = static_cast<float>(options.reliable_below);
    const float slope =
        1.0f / static_cast<float>(options.unreliable_above - options.reliable_below);
    int unreliable = 0;
    for (int y = 0; y < grey.rows; ++y) {
        const uchar* g = grey.ptr<uchar>(y);
        const uchar* w = warped_grey.ptr<uchar>(y);
        const float* mx = map_x.ptr<float>(y);
        const float* my = map_y.ptr<float>(y);
        float* out = weight.ptr<float>(y);
        for (int x = 0; x < grey.cols; ++x) {
            const bool inside = mx[x] >= 0 && my[x] >= 0 && mx[x] <= max_x && my[x] <= max_y;
            const float error = static_cast<float>(std::abs(int{g[x]} - int{w[x]}));
            const float value =
                inside ? std::clamp(1.0f - (error - below) * slope, 0.0f, 1.0f) : 0.0f;
            out[x] = value;
            unreliable += value <= 0.5f;
        }
    }
    return unreliable;
}

/// Full-resolution sampling maps from a flow computed at `small` size: the flow is resized
/// (bilinear) and its vectors scaled to full-resolution pixels.
void upscaled_maps(const cv::Mat& small_flow, cv::Size full, cv::Mat& flow_full, cv::Mat& map_x,
                   cv::Mat& map_y) {
    cv::resize(small_flow, flow_full, full, 0, 0, cv::INTER_LINEAR);
    const float fx = static_cast<float>(full.width) / static_cast<float>(small_flow.cols);
    const float fy = static_cast<float>(full.height) / static_cast<float>(small_flow.rows);
    map_x.create(full, CV_32FC1);
    map_y.create(full, CV_32FC1);
    for (int y = 0; y < full.height; ++y) {
        const auto* f = flow_full.ptr<cv::Vec2f>(y);
        float* mx = map_x.ptr<float>(y);
        float* my = map_y.ptr<float>(y);
        for (int x = 0; x < full.width; ++x) {
            mx[x] = static_cast<float>(x) + f[x][0] * fx;
            my[x] = static_cast<float>(y) + f[x][1] * fy;
        }
    }
}

/// out = stylized + strength · weight · (warped − stylized), rounded; all CV_8UC3 but weight
/// (CV_32FC1, 0..1).
void blend(const cv::Mat& stylized, const cv::Mat& warped, const cv::Mat& weight, float strength,
           cv::Mat& out) {
    out.create(stylized.size(), CV_8UC3);
    for (int y = 0; y < stylized.rows; ++y) {
        const uchar* s = stylized.ptr<uchar>(y);
        const uchar* p = warped.ptr<uchar>(y);
        const float* w = weight.ptr<float>(y);
        uchar* o = out.ptr<uchar>(y);
        for (int x = 0; x < stylized.cols; ++x) {
            const float a = strength * w[x];
            for (int c = 0; c < 3; ++c) {
                const int i = 3 * x + c;
                const float value = static_cast<float>(s[i]) +
                                    a * (static_cast<float>(p[i]) - static_cast<float>(s[i]));
                o[i] = static_cast<uchar>(value + 0.5f);  // both ends are in 0..255
            }
        }
    }
}

}  // namespace

void validate(const StabilizerOptions& options) {
    STYLECAM_CHECK(options.strength >= 0 && options.strength <= 1,
                   "stabilize: strength must be in 0..1, got ", options.strength);
    STYLECAM_CHECK(
        options.dis_preset >= kDisPresetUltrafast && options.dis_preset <= kDisPresetMedium,
        "stabilize: unknown optical flow preset ", options.dis_preset);
    STYLECAM_CHECK(options.flow_scale >= 0.1 && options.flow_scale <= 1,
                   "stabilize: flow scale must be in 0.1..1, got ", options.flow_scale);
    STYLECAM_CHECK(options.reliable_below >= 0 && options.unreliable_above > options.reliable_below,
                   "stabilize: photometric thresholds must satisfy 0 <= reliable_below (",
                   options.reliable_below, ") < unreliable_above (", options.unreliable_above, ")");
    STYLECAM_CHECK(options.cut_fraction > 0 && options.cut_fraction <= 1,
                   "stabilize: cut fraction must be in (0, 1], got ", options.cut_fraction);
}

TemporalStabilizer::TemporalStabilizer(StabilizerOptions options)
    : options_(options), dis_((validate(options), options.dis_preset)) {}

void TemporalStabilizer::reset() {
    previous_grey_.release();
    previous_output_.release();
}

void TemporalStabilizer::set_strength(double strength) {
    options_.strength = std::clamp(strength, 0.0, 1.0);
    if (options_.strength == 0) reset();
}

cv::Mat TemporalStabilizer::process(const cv::Mat& input, const cv::Mat& stylized) {
    const auto start = std::chrono::steady_clock::now();
    STYLECAM_CHECK(!input.empty() && input.type() == CV_8UC3 && stylized.type() == CV_8UC3 &&
                       input.size() == stylized.size(),
                   "stabilize: expected an input frame and its stylization, CV_8UC3 of one size");
    last_ = {};
    if (options_.strength <= 0) {  // off: nothing computed, no time spent
        reset();
        return stylized;
    }
    const auto finish = [&](cv::Mat output) {
        last_.ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        return output;
    };
    const cv::Size full = input.size();
    const cv::Size small(
        std::max(8, static_cast<int>(std::lround(full.width * options_.flow_scale))),
        std::max(8, static_cast<int>(std::lround(full.height * options_.flow_scale))));
    cv::cvtColor(input, grey_, cv::COLOR_BGR2GRAY);
    cv::Mat small_grey;
    if (small.width < full.width || small.height < full.height) {
        cv::resize(grey_, small_grey_, small, 0, 0, cv::INTER_AREA);
        small_grey = small_grey_;
    } else {
        small_grey = grey_;
    }
    const bool continues = !previous_output_.empty() && previous_output_.size() == full &&
                           previous_grey_.size() == small_grey.size();
    const auto keep = [&](const cv::Mat& output) {
        small_grey.copyTo(previous_grey_);
        output.copyTo(previous_output_);
    };
    if (!continues) {
        keep(stylized);
        return finish(stylized);
    }

    // 1–2: the input's backward flow and the photometric reliability, at the flow's size.
    const cv::Mat flow = dis_.calc(small_grey, previous_grey_);
    flow_to_maps(flow, map_x_, map_y_);
    cv::remap(previous_grey_, warped_grey_, map_x_, map_y_, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    const int unreliable =
        photometric_weight(small_grey, warped_grey_, map_x_, map_y_, options_, weight_);
    const double total = static_cast<double>(small_grey.total());
    last_.reliable_fraction = 1.0 - unreliable / total;
    if (unreliable > options_.cut_fraction * total) {
        last_.cut = true;
        keep(stylized);
        return finish(stylized);
    }
    cv::erode(weight_, weight_, cv::Mat());  // 3×3 minimum: an unreliable region's edge too

    // 3: warp the previous output and blend where reliable, at full size.
    const cv::Mat* weight = &weight_;
    if (small != full) {
        upscaled_maps(flow, full, flow_full_, map_x_, map_y_);
        cv::resize(weight_, weight_full_, full, 0, 0, cv::INTER_LINEAR);
        weight = &weight_full_;
    }
    cv::remap(previous_output_, warped_, map_x_, map_y_, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::Mat output;
    blend(stylized, warped_, *weight, static_cast<float>(options_.strength), output);
    keep(output);
    last_.blended = true;
    return finish(output);
}

}  // namespace stylecam
