#pragma once
/// Records a stream of frames to a video file on its own writer thread. Producers push frames
/// with their timestamps through a bounded queue (a full queue drops and counts, or makes the
/// producer wait a bounded time when it asks to).
/// Every pushed frame is written once, at its own timestamp where the container allows it
/// (H.264 files: a variable frame rate), so playback keeps real time even when the producer's
/// rate changes (e.g. live auto scale); the nominal rate (and the only one of other containers)
/// is the rate measured on the first frames (up to 2 s). `stop()` (or the destructor) flushes the
/// queue and closes the file, which then plays.
///
/// A disk that is about to be full (less free than closing the file needs: its index, the
/// frames the encoder holds, 1 MiB) or that became read-only stops the recording before the next
/// frame with `error()` saying so; the file is closed and plays with every frame written so far
/// (when that happens before the first frame, no file is left behind).

#include <opencv2/core.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace stylecam {

class Recorder {
  public:
    using Clock = std::chrono::steady_clock;

    /// Starts the writer thread for `path` (.mp4, .mkv, .avi, .webm). Throws `Error` when the
    /// extension is unknown or the folder is not writable; encoder failures show in `error()`.
    explicit Recorder(std::string path, size_t max_queued = 64);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Thread-safe. Queues a copy of `frame` (CV_8UC3; frames of another size than the first are
    /// resized). A full queue makes the caller wait up to `max_wait` for the writer to take a
    /// frame (backpressure: a producer that may slow down loses nothing to a slow encoder; zero
    /// never blocks). Returns false when the queue stayed full or the recorder stopped (the frame
    /// is dropped and counted).
    bool push(const cv::Mat& frame, Clock::time_point timestamp,
              Clock::duration max_wait = Clock::duration::zero());
    /// Flushes and closes; idempotent. Returns the number of frames in the file.
    int64_t stop();

    const std::string& path() const { return path_; }
    int64_t frames_written() const { return written_.load(); }
    /// Frames accepted by `push` so far (written, or queued to be).
    int64_t frames_accepted() const { return accepted_.load(); }
    int64_t frames_dropped() const { return dropped_.load(); }
    /// Empty while fine; else one line describing why recording failed.
    std::string error() const;

  private:
    struct Item {
        cv::Mat frame;
        Clock::time_point timestamp;
    };
    void run();

    std::string path_;
    size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;   ///< the writer: a frame was queued, or stop
    std::condition_variable space_;  ///< producers: the writer took a frame, or it ended
    std::deque<Item> queue_;
    bool stopping_ = false;
    bool finished_ = false;  ///< the writer thread ended (after stop or an error)
    std::string error_;
    std::atomic<int64_t> written_{0}, dropped_{0}, accepted_{0};
    std::thread thread_;
};

/// "stylecam-20261124-071502.mp4" in `folder` (local time).
std::string timestamped_path(const std::string& folder, const std::string& prefix,
                             const std::string& extension);

}  // namespace stylecam
