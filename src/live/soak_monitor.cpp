#include "live/soak_monitor.h"

#include "core/memory.h"

#include <algorithm>
#include <cstdio>

namespace stylecam {
namespace {

constexpr auto kSampleInterval = std::chrono::seconds(1);
constexpr size_t kMaxNotes = 50;  ///< a run that keeps failing must not grow the list forever

double ms_between(LiveClock::time_point from, LiveClock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

/// The bucket (ms) below which `fraction` of the histogram's samples lie.
double percentile_ms(const std::vector<int64_t>& histogram, int64_t total, double fraction) {
    if (total == 0) return 0;
    const auto rank = static_cast<int64_t>(fraction * static_cast<double>(total - 1));
    int64_t seen = 0;
    for (size_t ms = 0; ms < histogram.size(); ++ms) {
        seen += histogram[ms];
        if (seen > rank) return static_cast<double>(ms);
    }
    return static_cast<double>(histogram.size() - 1);
}

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

SoakMonitor::SoakMonitor(LiveClock::duration warmup, LiveClock::time_point start)
    : start_(start), warmup_end_(start + warmup), latency_histogram_(kBuckets, 0) {
    notes_.reserve(kMaxNotes);
}

void SoakMonitor::frame_shown(LiveClock::time_point captured, LiveClock::time_point shown) {
    const double latency = ms_between(captured, shown);
    latency_max_ms_ = std::max(latency_max_ms_, latency);
    const auto bucket = std::clamp(static_cast<int>(latency), 0, kBuckets - 1);
    ++latency_histogram_[static_cast<size_t>(bucket)];
    if (shown_ > 0) {
        const double gap = ms_between(last_shown_, shown);
        if (gap > max_stall_ms_) {
            max_stall_ms_ = gap;
            max_stall_at_s_ = ms_between(start_, shown) / 1000.0;
        }
    }
    last_shown_ = shown;
    ++shown_;
}

void SoakMonitor::poll(const LiveStats& stats, LiveClock::time_point now, bool sample_now) {
    for (const auto* text : {&stats.source_status, &stats.error, &stats.recording_error})
        if (!text->empty()) note(*text);
    if (!sample_now && last_sample_ != LiveClock::time_point{} &&
        now - last_sample_ < kSampleInterval)
        return;
    last_sample_ = now;
    rss_last_ = resident_bytes();
    rss_peak_ = std::max(rss_peak_, rss_last_);
    if (rss_after_warmup_ < 0 && now >= warmup_end_) rss_after_warmup_ = rss_last_;
}

void SoakMonitor::note(const std::string& text) {
    if (notes_.size() >= kMaxNotes || std::find(notes_.begin(), notes_.end(), text) != notes_.end())
        return;
    notes_.push_back(text);
}

SoakReport SoakMonitor::report(const LiveStats& stats, LiveClock::time_point now) const {
    SoakReport report;
    report.seconds = ms_between(start_, now) / 1000.0;
    report.warmup_seconds = ms_between(start_, warmup_end_) / 1000.0;
    report.rss_after_warmup = rss_after_warmup_;
    report.rss_end = rss_last_;
    report.rss_peak = rss_peak_;
    if (rss_after_warmup_ > 0 && rss_last_ > 0)
        report.rss_growth_percent = 100.0 * static_cast<double>(rss_last_ - rss_after_warmup_) /
                                    static_cast<double>(rss_after_warmup_);
    report.shown = shown_;
    report.latency_p50_ms = percentile_ms(latency_histogram_, shown_, 0.50);
    report.latency_p99_ms = percentile_ms(latency_histogram_, shown_, 0.99);
    report.latency_max_ms = latency_max_ms_;
    report.max_stall_ms = max_stall_ms_;
    report.max_stall_at_s = max_stall_at_s_;
    report.captured = stats.captured;
    report.stylized = stats.stylized;
    report.dropped = stats.dropped;
    report.recording = stats.recording_path;
    report.recorded = stats.recorded_frames;
    report.notes = notes_;
    return report;
}

std::string format_soak_report(const SoakReport& report) {
    std::string text;
    const auto line = [&](const char* format, auto... values) {
        char buffer[512];
        std::snprintf(buffer, sizeof buffer, format, values...);
        text += buffer;
        text += '\n';
    };
    line("seconds: %.1f", report.seconds);
    line("warmup_seconds: %.1f", report.warmup_seconds);
    line("rss_after_warmup_mib: %.1f", mib(report.rss_after_warmup));
    line("rss_end_mib: %.1f", mib(report.rss_end));
    line("rss_peak_mib: %.1f", mib(report.rss_peak));
    line("rss_growth_percent: %.2f", report.rss_growth_percent);
    line("captured: %lld", static_cast<long long>(report.captured));
    line("stylized: %lld", static_cast<long long>(report.stylized));
    line("dropped: %lld", static_cast<long long>(report.dropped));
    line("shown: %lld", static_cast<long long>(report.shown));
    line("latency_p50_ms: %.0f", report.latency_p50_ms);
    line("latency_p99_ms: %.0f", report.latency_p99_ms);
    line("latency_max_ms: %.0f", report.latency_max_ms);
    line("max_stall_ms: %.0f", report.max_stall_ms);
    line("max_stall_at_s: %.1f", report.max_stall_at_s);
    if (!report.recording.empty()) {
        line("recording: %s", report.recording.c_str());
        line("recorded: %lld", static_cast<long long>(report.recorded));
        line("recording_frames: %lld", static_cast<long long>(report.recording_frames));
    }
    for (const auto& note : report.notes) line("note: %s", note.c_str());
    return text;
}

}  // namespace stylecam
