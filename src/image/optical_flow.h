#pragma once
/// Dense optical flow between video frames (OpenCV's DIS, Kroeger et al. 2016) and the helpers
/// every user of it needs: grey frames, flow → remap maps, the forward-backward consistency check.
/// One home for flow: the warp error (image/warp_error) and the temporal stabilizer
/// (image/temporal_stabilizer) both compute their flow here.
///
/// Conventions: a flow field is CV_32FC2 (dx, dy) in pixels of the frame it lives in. The
/// backward flow of frame t (to t−1) says where pixel x of frame t came from:
/// frame_t(x) ≈ frame_{t−1}(x + w_b(x)).

#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>

#include <string>

namespace stylecam {

/// DIS presets (cv::DISOpticalFlow::PRESET_*), fastest first.
constexpr int kDisPresetUltrafast = 0;
constexpr int kDisPresetFast = 1;
constexpr int kDisPresetMedium = 2;

/// "ultrafast" | "fast" | "medium" → the preset; throws `Error` naming the text otherwise.
int parse_dis_preset(const std::string& name);
/// The preset's name ("ultrafast", "fast", "medium").
const char* dis_preset_name(int preset);

/// BGR CV_8UC3 → grey CV_8UC1 (cv::COLOR_BGR2GRAY).
cv::Mat grey_of(const cv::Mat& bgr);

/// One DIS engine, reused from frame to frame (its buffers are kept). Not thread-safe: one
/// thread owns an instance.
class DisFlow {
  public:
    explicit DisFlow(int preset = kDisPresetMedium);

    /// The flow w with from(x) ≈ to(x + w(x)): CV_32FC2 in `from`'s pixels. Both grey CV_8UC1 of
    /// one size; throws `Error` otherwise.
    cv::Mat calc(const cv::Mat& from_grey, const cv::Mat& to_grey);

    int preset() const { return preset_; }

  private:
    int preset_;
    cv::Ptr<cv::DISOpticalFlow> dis_;
};

/// Sampling maps for cv::remap: map_x(x, y) = x + flow_x, map_y = y + flow_y (CV_32FC1 each).
/// With the backward flow of frame t, remap(frame_{t−1}, map_x, map_y) is frame t−1 warped onto
/// frame t.
void flow_to_maps(const cv::Mat& flow, cv::Mat& map_x, cv::Mat& map_y);

/// Ruder et al. 2016's consistency check of the backward flow `backward` (frame t → t−1) against
/// the forward flow `forward` (t−1 → t), with `map_x`/`map_y` from `flow_to_maps(backward)`:
/// 255 where x + w_b(x) lies inside the frame and
/// |w̃_f + w_b|² ≤ 0.01 (|w̃_f|² + |w_b|²) + 0.5, w̃_f(x) = w_f(x + w_b(x)); else 0. CV_8UC1.
cv::Mat consistent_flow_mask(const cv::Mat& backward, const cv::Mat& forward, const cv::Mat& map_x,
                             const cv::Mat& map_y);

}  // namespace stylecam
