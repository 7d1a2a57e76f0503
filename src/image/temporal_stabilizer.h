#pragma once
/// Flow-guided temporal stabilization of a stylized video, at run time, for any style network.
///
/// For each new frame t (input I_t, its stylization S_t):
///   1. the backward optical flow w_b of the INPUT, t → t−1 (DIS, at `flow_scale` × the frame
///      size, upscaled), never of the stylized frames;
///   2. a reliability weight per pixel from the photometric error of the warped previous input,
///      e = |grey(I_t) − grey(I_{t−1})(x + w_b(x))|: 1 up to `reliable_below` grey levels,
///      0 from `unreliable_above` (occlusions, disocclusions, bad flow), linear between; 0 where
///      x + w_b(x) leaves the frame; then a 3×3 minimum so that the edge of an unreliable region
///      (a moving object's wake) is unreliable too;
///   3. the output O_t = S_t + strength · weight · (warp(O_{t−1}) − S_t), where warp(O_{t−1}) is
///      the previous STABILIZED output sampled at x + w_b(x) (bilinear).
/// A scene cut (more than `cut_fraction` of the pixels unreliable), a change of frame size and
/// `reset()` (the caller's style switch) drop the history: that frame is S_t unblended.
/// Strength 0 is the identity (no flow computed).
///
/// Images are CV_8UC3 BGR, 0..255. One thread owns an instance (it keeps the previous frames).

#include "image/optical_flow.h"

#include <opencv2/core.hpp>

namespace stylecam {

/// The strength `live` and `stylize` stabilize videos at by default, and what `--stabilize`
/// means when given without a value (chosen by measurement: README, "Steady video").
constexpr double kDefaultStabilizeStrength = 0.8;

struct StabilizerOptions {
    /// 0..1: the share of the warped previous output kept where the motion is reliable (0: off).
    double strength = kDefaultStabilizeStrength;
    /// DIS preset of the input's flow (optical_flow.h): ultrafast for live, better offline.
    int dis_preset = kDisPresetUltrafast;
    /// The flow (and the photometric check) run at this fraction of the frame size, 0.1..1.
    double flow_scale = 0.5;
    /// Photometric error of the warped previous input, grey levels 0..255: fully reliable up to
    /// `reliable_below`, not at all from `unreliable_above`.
    double reliable_below = 6;
    double unreliable_above = 18;
    /// A frame with more than this share (0..1) of unreliable pixels is a scene cut.
    double cut_fraction = 0.5;
};

/// Throws `Error` naming the bad value.
void validate(const StabilizerOptions& options);

/// What the last `process` call did.
struct StabilizerFrame {
    bool blended = false;  ///< false: first frame, strength 0, scene cut, new size, after reset
    bool cut = false;      ///< a scene cut was detected (and the history dropped)
    double reliable_fraction = 0;  ///< share of pixels whose weight is > 0.5 (0..1)
    double ms = 0;                 ///< wall-clock time of the call, milliseconds (0 when off)
};

class TemporalStabilizer {
  public:
    explicit TemporalStabilizer(StabilizerOptions options = {});

    /// Frame t: `input` as captured, `stylized` its stylization (both CV_8UC3 of one size; throws
    /// `Error` otherwise). Returns the stabilized frame: a new image (the history keeps its own
    /// copy), or `stylized` itself when nothing is blended.
    cv::Mat process(const cv::Mat& input, const cv::Mat& stylized);

    /// Forgets the previous frames: the next frame is returned unblended (style switch).
    void reset();

    /// 0..1 (clamped); 0 also drops the history.
    void set_strength(double strength);
    const StabilizerOptions& options() const { return options_; }
    const StabilizerFrame& last() const { return last_; }

  private:
    StabilizerOptions options_;
    DisFlow dis_;
    cv::Mat previous_grey_;    // CV_8UC1 at the flow's size
    cv::Mat previous_output_;  // CV_8UC3 at the frame's size
    StabilizerFrame last_;
    // Buffers reused from frame to frame.
    cv::Mat grey_, small_grey_, map_x_, map_y_, warped_grey_, weight_, flow_full_, weight_full_,
        warped_;
};

}  // namespace stylecam
