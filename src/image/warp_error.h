#pragma once
/// Temporal stability of a stylized video, measured against the input's own motion:
///   warp error = mean over frame pairs (t−1, t) of mean |S_t − warp(S_{t−1})|
/// in 0..255 over the pixels and channels where the input's optical flow is reliable. S is the
/// stylized sequence (or the input itself: the floor any output can reach, set by lighting,
/// noise and occlusions). The flow comes from the grey INPUT frames, never from S:
///   - backward flow w_b (t → t−1) and forward flow w_f (t−1 → t) with OpenCV's DIS,
///   - warp(S_{t−1})(x) = S_{t−1}(x + w_b(x)), bilinear (cv::remap),
///   - x counts when x + w_b(x) lies inside the frame and the flows agree (Ruder et al. 2016):
///     |w̃_f + w_b|² ≤ 0.01 (|w̃_f|² + |w_b|²) + 0.5, with w̃_f(x) = w_f(x + w_b(x)).
/// Besides the whole, the error is split into the STILL pixels (reliable, and no input motion of
/// more than 0.5 px within 16 px: a background's flicker) and the MOVING rest of the reliable
/// pixels (moving objects and their surroundings: texture re-forming as things move).
/// Images are CV_8UC3 BGR, all of one size.

#include "image/optical_flow.h"

#include <opencv2/core.hpp>

#include <vector>

namespace stylecam {

/// The input's motion between two frames, in the later frame's pixels.
struct PairFlow {
    cv::Mat map_x, map_y;  ///< CV_32FC1: where pixel x of frame t came from in frame t−1
    cv::Mat reliable;      ///< CV_8UC1, 255 where the flow is consistent and inside the frame
    cv::Mat still;         ///< CV_8UC1, 255 where reliable and nothing moves within 16 px
};

/// Flow from `previous` to `current` (CV_8UC3 inputs of one size; grey is taken here).
/// Throws `Error` for empty or mismatched frames.
PairFlow pair_flow(const cv::Mat& previous, const cv::Mat& current,
                   int dis_preset = kDisPresetMedium);

/// Mean |current − warp(previous)| over `flow.reliable` pixels and all channels, 0..255;
/// 0 when no pixel is reliable.
double warped_difference(const PairFlow& flow, const cv::Mat& previous, const cv::Mat& current);

/// The same over the pixels of `mask` (CV_8UC1, non-zero: counted) only: NaN when it is empty.
double warped_difference(const PairFlow& flow, const cv::Mat& previous, const cv::Mat& current,
                         const cv::Mat& mask);

/// Warp error of several sequences that share one input clip, fed one frame at a time (a video
/// is never held in memory). Series 0 can be the input itself. One thread owns a meter.
class WarpErrorMeter {
  public:
    explicit WarpErrorMeter(int series, int dis_preset = kDisPresetMedium);

    /// Frame t of the input and of every series (each CV_8UC3, the input's size).
    void add(const cv::Mat& input, const std::vector<cv::Mat>& series);

    /// Frame pairs measured so far (frames added − 1, or 0).
    int pairs() const { return pairs_; }
    /// Mean warp error of `series` over the pairs so far; NaN before the second frame.
    double mean(int series) const;
    /// Mean share of reliable pixels over the pairs so far (0..1).
    double reliable_fraction() const;
    /// Mean warp error of `series` over the still pixels (see above) of the pairs that have
    /// any, and over the moving ones; NaN when no pair had such pixels.
    double mean_still(int series) const;
    double mean_moving(int series) const;
    /// Mean share of still pixels over the pairs so far (0..1).
    double still_fraction() const;

  private:
    int dis_preset_;
    cv::Mat previous_input_;
    std::vector<cv::Mat> previous_series_;
    std::vector<double> sums_;
    /// Per series: sums of the per-pair means over still and moving pixels, and how many pairs.
    std::vector<double> still_sums_, moving_sums_;
    int still_pairs_ = 0, moving_pairs_ = 0;
    double reliable_sum_ = 0, still_sum_ = 0;
    int pairs_ = 0;
};

/// Warp error of `stylized` over the motion of `input` (equal lengths, ≥ 2 frames).
double warp_error(const std::vector<cv::Mat>& input, const std::vector<cv::Mat>& stylized,
                  int dis_preset = kDisPresetMedium);

}  // namespace stylecam
