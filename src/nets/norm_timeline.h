#pragma once
/// Instance-norm statistics carried from frame to frame of a video ("temporal instance norm").
///
/// A transformer net normalizes every map by its own per-channel mean and variance, so a change
/// anywhere in a frame (a person walking) shifts the output everywhere a little, and a still
/// background shimmers. On a video, frame t instead normalizes layer L by
///   H_t = H_{t−1} + α · (F_t − H_{t−1}),   α = 1 − smoothing,
/// where F_t are the frame's own statistics (mean and variance, each) and H_{t−1} what frame t−1
/// used at that layer. H_t = F_t (the frame as a picture) for the chain's first frame (see
/// `restart`), when the frame size or batch changes, and at a scene cut: when at layer 0
///   d = mean_c |μ_F − μ_H| / sqrt(σ²_H + ε) + mean_c |ln((σ²_F + ε) / (σ²_H + ε))|
/// exceeds `cut_threshold` (ε = 1e-5). Consecutive frames of a clip measure d ≈ 0.01–0.03; a cut
/// or a 30 % change of brightness 0.3 or more.
///
/// Thread-safe: several workers may run consecutive frames at once (stylize's video job). Frame t
/// waits at each layer until frame t−1 has passed it, so the result is exactly that of one thread
/// running the frames in order, and a worker one frame behind another never waits in practice.
/// At most 16 frames may be in flight at once (the statistics of older ones are dropped). A frame
/// whose predecessor never arrives (`fail`, or 10 s without progress) starts the chain again.

#include "nets/instance_norm_relu.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace stylecam {

/// The smoothing `stylize`, `live` and `eval` use for videos unless told otherwise (chosen by
/// measurement: README, "Steady video").
constexpr double kDefaultTemporalNorm = 0.9;

struct NormTimelineOptions {
    /// 0..0.99: the share of the previous frame's statistics kept (0: each frame its own).
    double smoothing = kDefaultTemporalNorm;
    /// Layer-0 distance d above which a frame is a scene cut (see above).
    double cut_threshold = 0.1;
};

/// Throws `Error` naming the bad value (`--temporal-norm` for the smoothing).
void validate(const NormTimelineOptions& options);

class NormTimeline {
  public:
    explicit NormTimeline(NormTimelineOptions options = {});

    /// The statistics layer `layer` (0, 1, … in forward order) of frame `frame` normalizes by,
    /// given its own `fresh` ones (N×C each) and the layer's map height and width. Frames before
    /// the chain's first are computed as pictures (`fresh`, not recorded). Blocks until frame − 1
    /// has passed this layer, unless the timeline is closed.
    InstanceStatistics blend(int64_t frame, int layer, const InstanceStatistics& fresh,
                             int64_t height, int64_t width);

    /// Frame `frame` will not pass its layers (it failed, or was not run): the frame after it
    /// starts the chain again instead of waiting.
    void fail(int64_t frame);
    /// The chain starts again at `first_frame` (computed as a picture); earlier frames are
    /// pictures. Between frames: no frame may be in flight.
    void restart(int64_t first_frame);
    /// Stops all waiting (a job that ends early): from now on every frame is its own.
    void close();

    const NormTimelineOptions& options() const { return options_; }
    /// Frames found to be scene cuts since construction.
    int64_t cuts() const;

  private:
    struct FrameState {
        std::vector<InstanceStatistics> layers;  ///< what the frame used, by layer
        int64_t height = 0, width = 0;           ///< layer 0's map size
        bool own = false;     ///< the chain starts again at this frame (from some layer on)
        bool failed = false;  ///< see `fail`
    };

    NormTimelineOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable passed_;
    std::map<int64_t, FrameState> frames_;
    int64_t first_frame_ = 0;
    bool closed_ = false;
    int64_t cuts_ = 0;
};

/// A video frame's place in a `NormTimeline`, for a network's forward pass at inference
/// (TransformerNet, MicroAST): its normalizations then use statistics carried over from the
/// frames before. `layer` counts the normalizations passed so far (the forward pass advances it).
struct NormFrame {
    NormTimeline* timeline = nullptr;
    int64_t index = 0;  ///< the frame's number in its video
    int layer = 0;
};

}  // namespace stylecam
