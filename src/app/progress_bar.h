#pragma once
/// A terminal progress line on stderr: bar, count, rate, ETA. On a terminal it redraws one line
/// at most 10 times a second; otherwise (CI logs) it prints a plain line every few seconds.
/// Owned and called by one thread.

#include <chrono>
#include <cstdint>
#include <string>

namespace stylecam {

class ProgressBar {
  public:
    /// `unit` names what is counted ("frames", "images", "it").
    ProgressBar(std::string label, std::string unit);
    /// `total` < 0 when unknown (no bar, no ETA). `extra` is appended (e.g. loss values).
    /// The rate (and so the ETA) counts what was done since the first update, over the time
    /// since then: a resumed run that starts at step 1420 shows its own rate, not 1420 steps
    /// done in its first seconds. A run whose first update is at 0 or 1 counts from the start.
    void update(int64_t done, int64_t total, const std::string& extra = "");
    /// Draws the final state and ends the line.
    void finish();

  private:
    using Clock = std::chrono::steady_clock;
    void draw(bool final);

    std::string label_, unit_, extra_;
    int64_t done_ = 0, total_ = -1;
    int64_t first_done_ = -1;  ///< `done` at the first update; -1 before it
    Clock::time_point start_ = Clock::now(), first_update_{}, last_draw_{};
    bool tty_;
    bool drawn_ = false;
};

/// "1:02:03" or "2:03".
std::string format_duration(double seconds);

}  // namespace stylecam
