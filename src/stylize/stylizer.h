#pragma once
/// `Stylizer`: a style network plus everything around it that makes it usable on real frames —
/// any input size (reflect-pad to what the network needs, crop back), an inference scale,
/// strength (blend with the original) and colour preservation.
///
/// Not thread-safe: one thread owns a Stylizer (in `live`, the inference thread).

#include "nets/norm_timeline.h"
#include "stylize/style_network.h"

#include <opencv2/core.hpp>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace stylecam {

struct StylizerOptions {
    NetworkOptions network;
    /// Run the network at scale × the input's resolution, then resize back (speed/quality knob).
    double scale = 1.0;
    /// 0..1: 1 = fully stylized, 0 = the original (a blend of the two). Arbitrary-style networks
    /// apply it in feature space instead: 0 = the frame in its own style, redrawn by the network.
    double strength = 1.0;
    /// Keep the original's colours (luminance from the stylized image, chroma from the input).
    bool preserve_colors = false;
    /// The painting(s) for an arbitrary-style network (MicroAST weights); empty for trained
    /// styles. Part of the options so that a copy of the options makes the same stylizer.
    PaintingStyle painting;
    /// Videos (`stylize_frame`): 0..0.99, the share of the previous frame's instance-norm
    /// statistics each frame keeps (nets/norm_timeline.h); 0: every frame its own statistics.
    double temporal_norm = 0;
};

/// Throws `Error` naming the option when scale is not in (0, 4], strength not in [0, 1] or
/// temporal_norm not in [0, 0.99].
void validate(const StylizerOptions& options);

/// Reflect-pads (OpenCV BORDER_REFLECT_101, i.e. PyTorch's "reflect") on the bottom and right to
/// the next size that is a multiple of `multiple` and at least `min_side`.
cv::Mat pad_for_network(const cv::Mat& image, int multiple, int min_side);

class Stylizer {
  public:
    /// Opens the model file (safetensors or .onnx) and, for an arbitrary-style network, encodes
    /// `options.painting` (required then; refused for trained styles). Throws
    /// `Error("<path>: ...")`.
    Stylizer(const std::string& model_path, const StylizerOptions& options);

    /// CV_8UC3 BGR of any size ≥ 1×1 → CV_8UC3 BGR of exactly the same size.
    cv::Mat stylize(const cv::Mat& bgr8);
    /// `stylize` for frame `frame` (0, 1, … in order) of a video: with `temporal_norm` > 0 the
    /// network's instance norms carry their statistics over from frame − 1 (its timeline; scene
    /// cuts and size changes start afresh). Stylizers that share a timeline (`share_timeline`)
    /// may run consecutive frames on several threads at once and compute what one would.
    cv::Mat stylize_frame(const cv::Mat& bgr8, int64_t frame);
    /// Starts a new video at frame `first_frame` (a new file, a style switch): no frame of this
    /// stylizer's timeline may be in flight.
    void restart_video(int64_t first_frame = 0);
    /// Makes this stylizer use `other`'s timeline (stylize's video workers share one).
    void share_timeline(const Stylizer& other) { timeline_ = other.timeline_; }
    /// The timeline, for its counters; null when temporal_norm is 0.
    const NormTimeline* timeline() const { return timeline_.get(); }
    /// Runs the network once, on a grey picture, at each size that a `frame`-sized input takes
    /// at one of `scales` and that it has not run at yet, so that later frames at those scales
    /// (auto scale's rungs) find the kernels and buffers of their size ready: no stall at a
    /// step, and no memory first claimed minutes into a session. Cheap when nothing is new (a
    /// lookup per scale). Returns how many sizes it ran. The options are left as they were.
    int prepare(cv::Size frame, const std::vector<double>& scales);

    const StylizerOptions& options() const { return options_; }
    void set_strength(double strength);
    void set_scale(double scale);
    void set_preserve_colors(bool preserve) { options_.preserve_colors = preserve; }
    /// 0..0.99 (see StylizerOptions::temporal_norm): the next frame starts a new timeline.
    /// Throws `Error` for other values.
    void set_temporal_norm(double smoothing);
    /// Switches an arbitrary-style network to other paintings (codes are cached per painting and
    /// size). Throws `Error("<file>: ...")` and keeps the current style on failure.
    void set_painting(const PaintingStyle& painting);
    /// One line per note from encoding paintings (e.g. a huge painting was resized), oldest first.
    const std::vector<std::string>& notes() const { return notes_; }
    const std::string& model_path() const { return model_path_; }
    std::string describe() const { return network_->describe(); }

  private:
    std::string model_path_;
    StylizerOptions options_;
    std::unique_ptr<StyleNetwork> network_;
    std::vector<std::string> notes_;
    std::set<std::pair<int, int>> run_sizes_;  ///< network input sizes run so far (cols, rows)
    std::shared_ptr<NormTimeline> timeline_;   ///< null when options_.temporal_norm is 0

    cv::Mat run(const cv::Mat& bgr8, const int64_t* frame);
};

}  // namespace stylecam
