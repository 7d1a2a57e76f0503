#pragma once
/// Events per second over a sliding window (default 2 s), for the stats overlay.
/// Thread-safe: one thread ticks, any thread reads.

#include <chrono>
#include <deque>
#include <mutex>

namespace stylecam {

class RateMeter {
  public:
    using Clock = std::chrono::steady_clock;
    explicit RateMeter(Clock::duration window = std::chrono::seconds(2)) : window_(window) {}

    void tick(Clock::time_point now = Clock::now()) {
        std::lock_guard<std::mutex> lock(mutex_);
        times_.push_back(now);
        trim(now);
    }

    /// Events per second in the window ending now; 0 before two events.
    double rate(Clock::time_point now = Clock::now()) const {
        std::lock_guard<std::mutex> lock(mutex_);
        trim(now);
        if (times_.size() < 2) return 0.0;
        const double span = std::chrono::duration<double>(times_.back() - times_.front()).count();
        return span > 0 ? static_cast<double>(times_.size() - 1) / span : 0.0;
    }

  private:
    void trim(Clock::time_point now) const {
        while (!times_.empty() && now - times_.front() > window_) times_.pop_front();
    }
    Clock::duration window_;
    mutable std::mutex mutex_;
    mutable std::deque<Clock::time_point> times_;
};

}  // namespace stylecam
