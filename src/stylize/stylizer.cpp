#include "stylize/stylizer.h"

#include "core/error.h"
#include "image/color.h"
#include "nets/transformer_net.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace stylecam {

void validate(const StylizerOptions& options) {
    STYLECAM_CHECK(options.scale > 0 && options.scale <= 4, "--scale must be in (0, 4], got ",
                   options.scale);
    STYLECAM_CHECK(options.strength >= 0 && options.strength <= 1,
                   "--strength must be in [0, 1], got ", options.strength);
    NormTimelineOptions timeline;
    timeline.smoothing = options.temporal_norm;
    validate(timeline);
}

namespace {

/// The size of a `size` input at inference scale `scale`, before padding.
cv::Size scaled_size(cv::Size size, double scale) {
    if (scale == 1.0) return size;
    return {std::max(1, static_cast<int>(std::lround(size.width * scale))),
            std::max(1, static_cast<int>(std::lround(size.height * scale)))};
}

/// The least side a network runs at: two of its size multiples (`stylize` and `prepare`).
int min_side_for(const StyleNetwork& network) { return 2 * network.size_multiple(); }

/// What `pad_for_network` pads `size` to.
cv::Size padded_size(cv::Size size, int multiple, int min_side) {
    const auto target = [&](int side) {
        const int padded = std::max(side, min_side);
        return (padded + multiple - 1) / multiple * multiple;
    };
    return {target(size.width), target(size.height)};
}

}  // namespace

cv::Mat pad_for_network(const cv::Mat& image, int multiple, int min_side) {
    const cv::Size target = padded_size(image.size(), multiple, min_side);
    const int bottom = target.height - image.rows;
    const int right = target.width - image.cols;
    if (bottom == 0 && right == 0) return image;
    cv::Mat padded;
    // BORDER_REFLECT_101 reflects about the edge pixel, like torch's ReflectionPad2d; a 1-pixel
    // image has nothing to reflect and is replicated.
    const int border =
        (image.rows > 1 && image.cols > 1) ? cv::BORDER_REFLECT_101 : cv::BORDER_REPLICATE;
    cv::copyMakeBorder(image, padded, 0, bottom, 0, right, border);
    return padded;
}

Stylizer::Stylizer(const std::string& model_path, const StylizerOptions& options)
    : model_path_(model_path), options_(options) {
    validate(options_);
    network_ = open_style_network(model_path, options.network);
    if (!options_.painting.empty())
        notes_ = network_->set_style(options_.painting);
    else
        STYLECAM_CHECK(!network_->is_arbitrary(), model_path,
                       ": an arbitrary-style network needs a painting (--style-image)");
    if (network_->applies_strength()) network_->set_strength(options_.strength);
    set_temporal_norm(options_.temporal_norm);
}

void Stylizer::set_temporal_norm(double smoothing) {
    NormTimelineOptions timeline;
    timeline.smoothing = smoothing;
    validate(timeline);
    options_.temporal_norm = smoothing;
    timeline_ = smoothing > 0 ? std::make_shared<NormTimeline>(timeline) : nullptr;
}

int Stylizer::prepare(cv::Size frame, const std::vector<double>& scales) {
    int ran = 0;
    for (const double scale : scales) {
        if (!(scale > 0) || frame.empty()) continue;
        const cv::Size size = padded_size(scaled_size(frame, scale), network_->size_multiple(),
                                          min_side_for(*network_));
        if (!run_sizes_.insert({size.width, size.height}).second) continue;
        network_->run(cv::Mat(size, CV_8UC3, cv::Scalar::all(128)));
        ++ran;
    }
    return ran;
}

void Stylizer::set_painting(const PaintingStyle& painting) {
    STYLECAM_CHECK(!painting.empty(), "no painting given");
    const auto notes = network_->set_style(painting);
    notes_.insert(notes_.end(), notes.begin(), notes.end());
    options_.painting = painting;
}

void Stylizer::set_strength(double strength) {
    StylizerOptions next = options_;
    next.strength = strength;
    validate(next);
    if (network_->applies_strength()) network_->set_strength(strength);
    options_ = next;
}

void Stylizer::set_scale(double scale) {
    StylizerOptions next = options_;
    next.scale = scale;
    validate(next);
    options_ = next;
}

cv::Mat Stylizer::stylize(const cv::Mat& bgr8) { return run(bgr8, nullptr); }

cv::Mat Stylizer::stylize_frame(const cv::Mat& bgr8, int64_t frame) {
    if (!timeline_) return run(bgr8, nullptr);
    try {
        return run(bgr8, &frame);
    } catch (...) {
        timeline_->fail(frame);  // the next frame must not wait for this one
        throw;
    }
}

void Stylizer::restart_video(int64_t first_frame) {
    if (timeline_) timeline_->restart(first_frame);
}

cv::Mat Stylizer::run(const cv::Mat& bgr8, const int64_t* frame) {
    STYLECAM_CHECK(bgr8.type() == CV_8UC3 && !bgr8.empty(),
                   "Stylizer: expected a non-empty 8-bit BGR image");
    const bool blend_strength = !network_->applies_strength();
    if (blend_strength && options_.strength <= 0) {
        if (frame && timeline_) timeline_->fail(*frame);  // not run: the next frame starts afresh
        return bgr8.clone();
    }

    cv::Mat input = bgr8;
    if (options_.scale != 1.0)
        cv::resize(bgr8, input, scaled_size(bgr8.size(), options_.scale), 0, 0,
                   options_.scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    const cv::Mat padded =
        pad_for_network(input, network_->size_multiple(), min_side_for(*network_));
    run_sizes_.insert({padded.cols, padded.rows});  // no node allocated when the size is known
    const cv::Mat output = frame && timeline_ ? network_->run_frame(padded, *timeline_, *frame)
                                              : network_->run(padded);
    cv::Mat stylized = output(cv::Rect(0, 0, input.cols, input.rows));
    if (stylized.size() != bgr8.size()) {
        cv::Mat resized;
        cv::resize(stylized, resized, bgr8.size(), 0, 0,
                   options_.scale < 1 ? cv::INTER_CUBIC : cv::INTER_AREA);
        stylized = resized;
    } else {
        stylized = stylized.clone();  // own the pixels, drop the padding
    }
    if (options_.preserve_colors) stylized = preserve_colors(stylized, bgr8);
    return blend_strength ? blend(stylized, bgr8, options_.strength) : stylized;
}

}  // namespace stylecam
