#pragma once
/// Measures a long live run (`stylecam live --duration S --soak-report FILE`): resident memory
/// after a warm-up and at the end, the latency from capture to display of every new frame shown
/// (percentiles from a fixed 1 ms histogram, so that hours of frames allocate nothing), and the
/// longest stall (the gap between two new frames on screen). Pure bookkeeping: the caller says
/// when a frame was shown and when to sample memory.
///
/// Threads: one thread (the window's main thread) calls everything; no locking.

#include "live/live_pipeline.h"

#include <cstdint>
#include <string>
#include <vector>

namespace stylecam {

/// What a soak run measured, plus the pipeline's counts at the end.
struct SoakReport {
    double seconds = 0;         ///< the run's length, s
    double warmup_seconds = 0;  ///< memory is compared from the end of the warm-up on
    int64_t rss_after_warmup = -1, rss_end = -1, rss_peak = -1;  ///< bytes (VmRSS); -1 unknown
    double rss_growth_percent = 0;  ///< (end - after warm-up) / after warm-up × 100
    int64_t shown = 0;              ///< new stylized frames shown in the window
    double latency_p50_ms = 0, latency_p99_ms = 0, latency_max_ms = 0;  ///< capture → shown
    double max_stall_ms = 0;    ///< the longest gap between two new frames shown (after the first)
    double max_stall_at_s = 0;  ///< when that gap ended, s from the start
    int64_t captured = 0, stylized = 0, dropped = 0;  ///< the pipeline's counts
    std::string recording;                            ///< the recording's path (empty: none)
    int64_t recorded = 0;                             ///< frames the recorder says it wrote
    int64_t recording_frames = -1;   ///< frames read back from the file (-1: not read)
    std::vector<std::string> notes;  ///< errors and statuses seen during the run, each once
};

class SoakMonitor {
  public:
    /// `warmup`: memory growth is measured from the first sample after it.
    explicit SoakMonitor(LiveClock::duration warmup,
                         LiveClock::time_point start = LiveClock::now());

    /// A new stylized frame captured at `captured` reached the screen at `shown`.
    void frame_shown(LiveClock::time_point captured, LiveClock::time_point shown);
    /// Samples resident memory when a second has passed since the last sample or `sample_now`
    /// (cheap to call every frame), and keeps each new error/status line of `stats` as a note.
    void poll(const LiveStats& stats, LiveClock::time_point now = LiveClock::now(),
              bool sample_now = false);
    /// The figures so far; `stats` supplies the counts (call after the pipeline stopped).
    SoakReport report(const LiveStats& stats, LiveClock::time_point now = LiveClock::now()) const;

  private:
    void note(const std::string& text);

    static constexpr int kBuckets = 10000;  ///< 1 ms each; the last one holds ≥ 10 s
    LiveClock::time_point start_, warmup_end_, last_sample_{}, last_shown_{};
    std::vector<int64_t> latency_histogram_;
    int64_t shown_ = 0;
    double latency_max_ms_ = 0, max_stall_ms_ = 0, max_stall_at_s_ = 0;
    int64_t rss_after_warmup_ = -1, rss_last_ = -1, rss_peak_ = -1;
    std::vector<std::string> notes_;
};

/// "key: value" lines (sizes in MiB, times in ms), one figure per line, for the report file and
/// the log.
std::string format_soak_report(const SoakReport& report);

}  // namespace stylecam
