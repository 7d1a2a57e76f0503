#include "live/stream_output.h"

#include "core/error.h"

#include <chrono>

namespace stylecam {

LiveStreamOutput::LiveStreamOutput(std::vector<std::unique_ptr<FrameSink>> sinks, double fps,
                                   int64_t max_frames)
    : sinks_(std::move(sinks)), fps_(fps), max_frames_(max_frames) {
    STYLECAM_CHECK(fps > 0, "stream output: the rate must be positive, got ", fps);
    for (const auto& sink : sinks_) descriptions_.push_back(sink->describe());
    thread_ = std::thread([this] { run(); });
}

LiveStreamOutput::~LiveStreamOutput() { stop(); }

void LiveStreamOutput::offer(const cv::Mat& stylized) {
    if (!finished_) frames_in_.put(stylized);
}

void LiveStreamOutput::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        running_ = false;
    }
    wake_.notify_all();
    frames_in_.close();
    if (thread_.joinable()) thread_.join();
}

std::string LiveStreamOutput::end_reason() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return end_reason_;
}

std::vector<std::string> LiveStreamOutput::describe() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return descriptions_;
}

void LiveStreamOutput::finish(std::string reason, bool failed) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        end_reason_ = std::move(reason);
    }
    failed_ = failed;
    finished_ = true;
}

void LiveStreamOutput::run() {
    using Clock = std::chrono::steady_clock;
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / fps_));
    cv::Mat current;
    Clock::time_point next_tick;
    while (running_) {
        if (current.empty()) {  // wait for the first stylized frame
            auto first = frames_in_.take(std::chrono::milliseconds(200));
            if (!first) continue;
            current = std::move(*first);
            next_tick = Clock::now();
        } else if (auto newer = frames_in_.try_take()) {
            current = std::move(*newer);
        }
        try {
            for (auto& sink : sinks_) {
                if (!sink->write(current)) {
                    finish("the reader closed " + sink->describe(), false);
                    return;
                }
            }
        } catch (const std::exception& error) {
            finish(one_line_message(error), true);
            return;
        }
        if (frames_ == 0) {
            std::lock_guard<std::mutex> lock(mutex_);
            descriptions_.clear();
            for (const auto& sink : sinks_) descriptions_.push_back(sink->describe());
        }
        if (++frames_ == max_frames_) {
            finish("", false);
            return;
        }
        next_tick += period;
        const auto now = Clock::now();
        if (next_tick < now) next_tick = now;  // a slow reader: go on at its pace, no burst
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_until(lock, next_tick, [&] { return !running_; });
    }
}

}  // namespace stylecam
