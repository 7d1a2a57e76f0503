#pragma once
/// `AutoScale`: the live window's inference-scale controller. Fed each stylized frame's network
/// time, it lowers the scale in steps when the network cannot hold a target frame rate and raises
/// it again when there is headroom, never above the user's chosen scale (the ceiling).
///
/// Pure (no threads, no clock): the caller measures and applies. Not thread-safe: in `live`, the
/// inference thread owns it. Whether it is enabled at all is the caller's business.

#include <cstddef>
#include <vector>

namespace stylecam {

struct AutoScaleOptions {
    double target_fps = 30;   ///< frames/s to hold; the frame budget is 1000 / target_fps ms
    double max_scale = 1.0;   ///< the user's chosen scale: the ceiling and the starting point
    double min_scale = 0.35;  ///< the lowest scale it goes to (unless max_scale is lower)
    /// The ladder of scales, any order; only the rungs in [min_scale, max_scale) are used (those
    /// just below max_scale are skipped, too small a step), and max_scale is always the top rung.
    std::vector<double> steps{1.0, 0.85, 0.7, 0.6, 0.5, 0.42, 0.35};
    double smoothing = 0.25;   ///< weight of the newest time in the moving average (0..1]
    int settle_frames = 2;     ///< frames ignored after each change (warm-up at the new size)
    double down_margin = 1.1;  ///< step down when the average exceeds the budget × this...
    int down_frames = 4;       ///< ...for this many frames in a row
    double up_margin = 0.8;    ///< step up when the predicted time at the next rung stays below
    int up_frames = 45;        ///< the budget × up_margin for this many frames in a row
};

class AutoScale {
  public:
    explicit AutoScale(AutoScaleOptions options = {});

    /// Called once per stylized frame with that frame's network time in milliseconds; returns the
    /// scale to use for the next frame. Times ≤ 0 or not finite are ignored.
    ///
    /// Rule: an exponential moving average of the time (restarted after each change, the first
    /// `settle_frames` ignored; a time enters it clipped to 3× the average, so one hiccup is not a
    /// slow machine) is compared with the budget 1000 / target_fps. Above budget ×
    /// `down_margin` for `down_frames` frames: one rung down, or several when the time predicted
    /// at the next rung (time ∝ scale²) is still over budget. Predicted time at the next rung up
    /// below budget × `up_margin` for `up_frames` frames: one rung up. A rung that had to be left
    /// within 4 × `up_frames` of stepping up to it doubles the wait before the next step up (up to
    /// 8×); holding it that long forgets the back-off.
    double update(double inference_ms);

    /// Back to `max_scale` as the ceiling and the current scale, average and waits forgotten:
    /// the user moved the scale slider or switched style or network.
    void reset(double max_scale);
    /// Changes the rate to hold without forgetting the average (the source's measured rate
    /// drifts a little). Values ≤ 0 are ignored.
    void set_target_fps(double fps);

    double current() const { return ladder_[rung_]; }
    double max_scale() const { return ladder_.front(); }
    double target_fps() const { return options_.target_fps; }
    double budget_ms() const { return 1000.0 / options_.target_fps; }
    double average_ms() const { return average_ms_; }  ///< 0 while settling
    /// The rungs in use, highest (max_scale) first.
    const std::vector<double>& ladder() const { return ladder_; }

  private:
    void build_ladder(double max_scale);
    void change_to(std::size_t rung);
    /// Time predicted at `rung` from the average at the current one (time ∝ scale²).
    double predicted_ms(std::size_t rung) const;

    AutoScaleOptions options_;
    std::vector<double> ladder_;
    std::size_t rung_ = 0;
    double average_ms_ = 0;
    int settling_ = 0;   // frames still to ignore
    int over_run_ = 0;   // frames in a row over budget
    int under_run_ = 0;  // frames in a row with headroom for the next rung up
    int up_wait_ = 1;    // multiplier of up_frames (back-off against oscillation)
    int since_up_ = -1;  // frames since the last step up; -1: none yet
};

}  // namespace stylecam
