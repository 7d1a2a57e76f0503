#include "live/auto_scale.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

namespace stylecam {
namespace {

/// Rungs closer than this fraction to the ceiling are skipped: too small a step to matter.
constexpr double kSmallestStep = 0.92;
/// The longest back-off of the wait before a step up, as a multiple of `up_frames`.
constexpr int kMaxUpWait = 8;
/// A rung stepped up to counts as held after this many `up_frames`: leaving it sooner backs off
/// the next step up, holding it that long forgets the back-off.
constexpr int kHeldUpWaits = 4;
/// A time enters the average clipped to this multiple of it: one hiccup (a page fault storm,
/// another process) moves the average a little, a real slow-down still reaches it within a few
/// frames.
constexpr double kMaxJump = 3.0;

}  // namespace

AutoScale::AutoScale(AutoScaleOptions options) : options_(std::move(options)) {
    STYLECAM_CHECK(options_.target_fps > 0 && std::isfinite(options_.target_fps),
                   "auto scale: target fps must be positive, got ", options_.target_fps);
    STYLECAM_CHECK(options_.smoothing > 0 && options_.smoothing <= 1,
                   "auto scale: smoothing must be in (0, 1], got ", options_.smoothing);
    STYLECAM_CHECK(options_.min_scale > 0, "auto scale: min scale must be positive, got ",
                   options_.min_scale);
    STYLECAM_CHECK(
        options_.down_frames > 0 && options_.up_frames > 0 && options_.settle_frames >= 0,
        "auto scale: frame counts must be positive");
    STYLECAM_CHECK(options_.up_margin > 0 && options_.up_margin < options_.down_margin,
                   "auto scale: up margin ", options_.up_margin, " must be below down margin ",
                   options_.down_margin);
    reset(options_.max_scale);
}

void AutoScale::build_ladder(double max_scale) {
    STYLECAM_CHECK(max_scale > 0 && std::isfinite(max_scale),
                   "auto scale: max scale must be positive, got ", max_scale);
    options_.max_scale = max_scale;
    ladder_ = {max_scale};
    std::vector<double> below;
    for (const double step : options_.steps)
        if (step >= options_.min_scale && step < max_scale * kSmallestStep) below.push_back(step);
    std::sort(below.begin(), below.end(), std::greater<double>());
    below.erase(std::unique(below.begin(), below.end()), below.end());
    ladder_.insert(ladder_.end(), below.begin(), below.end());
}

void AutoScale::reset(double max_scale) {
    build_ladder(max_scale);
    rung_ = 0;
    average_ms_ = 0;
    settling_ = options_.settle_frames;
    over_run_ = 0;
    under_run_ = 0;
    up_wait_ = 1;
    since_up_ = -1;
}

void AutoScale::set_target_fps(double fps) {
    if (fps > 0 && std::isfinite(fps)) options_.target_fps = fps;
}

void AutoScale::change_to(std::size_t rung) {
    rung_ = rung;
    average_ms_ = 0;
    settling_ = options_.settle_frames;
    over_run_ = 0;
    under_run_ = 0;
}

double AutoScale::predicted_ms(std::size_t rung) const {
    const double ratio = ladder_[rung] / ladder_[rung_];
    return average_ms_ * ratio * ratio;
}

double AutoScale::update(double inference_ms) {
    if (!(inference_ms > 0) || !std::isfinite(inference_ms)) return current();
    if (since_up_ >= 0) {
        ++since_up_;
        // The rung reached by the last step up has held a good while: forget the back-off.
        if (since_up_ >= kHeldUpWaits * options_.up_frames) up_wait_ = 1;
    }
    if (settling_ > 0) {
        --settling_;
        return current();
    }
    if (average_ms_ == 0) {
        average_ms_ = inference_ms;
    } else {
        const double sample = std::min(inference_ms, kMaxJump * average_ms_);
        average_ms_ += options_.smoothing * (sample - average_ms_);
    }

    const double budget = budget_ms();
    over_run_ = average_ms_ > budget * options_.down_margin ? over_run_ + 1 : 0;
    under_run_ =
        rung_ > 0 && predicted_ms(rung_ - 1) < budget * options_.up_margin ? under_run_ + 1 : 0;

    if (over_run_ >= options_.down_frames && rung_ + 1 < ladder_.size()) {
        // One rung down, or further while the predicted time is still over budget.
        std::size_t next = rung_ + 1;
        while (next + 1 < ladder_.size() && predicted_ms(next) > budget) ++next;
        // Leaving a rung stepped up to within the time it takes to count as held: wait longer
        // before the next try (on a busy machine a step up can look fine for seconds).
        if (since_up_ >= 0 && since_up_ < kHeldUpWaits * options_.up_frames)
            up_wait_ = std::min(2 * up_wait_, kMaxUpWait);
        since_up_ = -1;
        change_to(next);
    } else if (rung_ > 0 && under_run_ >= options_.up_frames * up_wait_) {
        since_up_ = 0;
        change_to(rung_ - 1);
    }
    return current();
}

}  // namespace stylecam
