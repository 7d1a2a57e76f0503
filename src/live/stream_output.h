#pragma once
/// The live stylized stream to frame sinks (a y4m pipe, a V4L2 loopback device) at a constant
/// rate, as a camera delivers it: on its own thread, at every tick of `fps` it writes the newest
/// stylized frame to every sink, repeating the last one while the network is behind, so that the
/// reader's clock (y4m carries no timestamps) keeps real time. Nothing is written before the
/// first stylized frame. A slow reader slows this thread only, never the pipeline.
///
/// Threads: `offer` from any thread (the pipeline's inference thread, through
/// `LiveSettings::on_result`); the writer thread owns the sinks; the queries from any thread.

#include "live/mailbox.h"
#include "video/frame_sink.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stylecam {

class LiveStreamOutput {
  public:
    /// Starts the writer thread. `fps` > 0: the tick rate (the rate the sinks declare);
    /// `max_frames` ≥ 0: finish after writing that many frames (-1: until `stop`).
    LiveStreamOutput(std::vector<std::unique_ptr<FrameSink>> sinks, double fps,
                     int64_t max_frames = -1);
    ~LiveStreamOutput();
    LiveStreamOutput(const LiveStreamOutput&) = delete;
    LiveStreamOutput& operator=(const LiveStreamOutput&) = delete;

    /// Hands over a stylized CV_8UC3 frame (not copied: the caller must not write into it);
    /// never blocks, the newest frame wins.
    void offer(const cv::Mat& stylized);
    /// Stops the writer thread; idempotent.
    void stop();

    /// True once `max_frames` are written, a reader went away, or a sink failed.
    bool finished() const { return finished_.load(); }
    int64_t frames_written() const { return frames_.load(); }
    /// Why it finished early ("the reader closed stdout (y4m ...)") or an error; empty otherwise.
    std::string end_reason() const;
    /// A sink failed (the reason is in `end_reason`).
    bool failed() const { return failed_.load(); }
    /// The sinks as they describe themselves (after the first frame, with their sizes).
    std::vector<std::string> describe() const;

  private:
    void run();
    void finish(std::string reason, bool failed);

    std::vector<std::unique_ptr<FrameSink>> sinks_;  // writer thread
    double fps_;
    int64_t max_frames_;
    Mailbox<cv::Mat> frames_in_;
    std::atomic<bool> running_{true}, finished_{false}, failed_{false};
    std::atomic<int64_t> frames_{0};
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::string end_reason_;
    std::vector<std::string> descriptions_;
    std::thread thread_;
};

}  // namespace stylecam
