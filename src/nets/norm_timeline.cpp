#include "nets/norm_timeline.h"

#include "core/error.h"

#include <chrono>

namespace stylecam {
namespace {

constexpr double kEpsilon = 1e-5;
/// Frames whose statistics are kept behind the newest: more than any job has in flight.
constexpr int64_t kFramesKept = 16;
/// How long a frame waits for the one before it at a layer before it starts the chain again.
constexpr std::chrono::seconds kLongestWait{10};

/// Layer-0 distance between a frame's own statistics and the previous frame's (see the header).
double cut_distance(const InstanceStatistics& fresh, const InstanceStatistics& previous) {
    const auto spread = (previous.variance + kEpsilon).sqrt();
    const auto means = ((fresh.mean - previous.mean).abs() / spread).mean();
    const auto variances =
        ((fresh.variance + kEpsilon) / (previous.variance + kEpsilon)).log().abs().mean();
    return (means + variances).item<double>();
}

}  // namespace

void validate(const NormTimelineOptions& options) {
    STYLECAM_CHECK(options.smoothing >= 0 && options.smoothing <= 0.99,
                   "--temporal-norm must be in [0, 0.99], got ", options.smoothing);
    STYLECAM_CHECK(options.cut_threshold > 0, "temporal norm: the cut threshold must be > 0, got ",
                   options.cut_threshold);
}

NormTimeline::NormTimeline(NormTimelineOptions options) : options_(options) { validate(options_); }

InstanceStatistics NormTimeline::blend(int64_t frame, int layer, const InstanceStatistics& fresh,
                                       int64_t height, int64_t width) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (closed_ || frame < first_frame_) return fresh;
    const auto own_so_far = [&] {
        const auto found = frames_.find(frame);
        return found != frames_.end() && found->second.own;
    };
    const FrameState* previous = nullptr;
    if (frame > first_frame_ && !own_so_far()) {
        const auto ready = [&] {
            if (closed_ || frame < first_frame_) return true;
            const auto found = frames_.find(frame - 1);
            return found != frames_.end() &&
                   (found->second.failed || static_cast<int>(found->second.layers.size()) > layer);
        };
        passed_.wait_for(lock, kLongestWait, ready);
        if (closed_ || frame < first_frame_) return fresh;
        const auto found = frames_.find(frame - 1);
        if (found != frames_.end() && !found->second.failed &&
            static_cast<int>(found->second.layers.size()) > layer)
            previous = &found->second;
    }
    // Looked up after the wait: a restart meanwhile may have dropped the frame's earlier layers.
    FrameState& state = frames_[frame];  // std::map: the reference survives other insertions
    if (static_cast<int>(state.layers.size()) != layer) {  // run twice, or restarted midway
        state.failed = true;
        lock.unlock();
        passed_.notify_all();
        return fresh;
    }
    if (layer == 0) {
        state.height = height;
        state.width = width;
        if (previous && (previous->height != height || previous->width != width ||
                         previous->layers[0].mean.sizes() != fresh.mean.sizes()))
            previous = nullptr;
        if (previous && cut_distance(fresh, previous->layers[0]) > options_.cut_threshold) {
            previous = nullptr;
            ++cuts_;
        }
        // Frames in flight are consecutive (each waits for the one before); keep a margin.
        frames_.erase(frames_.begin(), frames_.lower_bound(frame - kFramesKept));
    }
    if (!previous || previous->layers[layer].mean.sizes() != fresh.mean.sizes())
        state.own = true;  // from this layer on: the chain starts again here
    InstanceStatistics used = fresh;
    if (!state.own) {
        const double alpha = 1.0 - options_.smoothing;
        const auto& history = previous->layers[layer];
        used = {history.mean + alpha * (fresh.mean - history.mean),
                history.variance + alpha * (fresh.variance - history.variance)};
    }
    state.layers.push_back(used);
    lock.unlock();
    passed_.notify_all();
    return used;
}

void NormTimeline::fail(int64_t frame) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (frame >= first_frame_) frames_[frame].failed = true;
    }
    passed_.notify_all();
}

void NormTimeline::restart(int64_t first_frame) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        first_frame_ = first_frame;
        frames_.clear();
    }
    passed_.notify_all();
}

void NormTimeline::close() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
    }
    passed_.notify_all();
}

int64_t NormTimeline::cuts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cuts_;
}

}  // namespace stylecam
