#include "app/progress_bar.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace stylecam {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto total = static_cast<long>(std::lround(seconds));
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60,
                      total % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

ProgressBar::ProgressBar(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), tty_(::isatty(STDERR_FILENO) == 1) {}

void ProgressBar::update(int64_t done, int64_t total, const std::string& extra) {
    done_ = done;
    total_ = total;
    extra_ = extra;
    const auto now = Clock::now();
    if (first_done_ < 0) {
        first_done_ = done;
        first_update_ = now;
    }
    const auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (drawn_ && now - last_draw_ < interval) return;
    last_draw_ = now;
    draw(false);
}

void ProgressBar::finish() { draw(true); }

void ProgressBar::draw(bool final) {
    drawn_ = true;
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    double rate = 0;
    if (first_done_ <= 1) {  // from the start: the time before the first unit counts too
        if (elapsed > 0) rate = static_cast<double>(done_) / elapsed;
    } else {  // resumed: only what this run did, since its first update
        const double since = std::chrono::duration<double>(now - first_update_).count();
        if (since > 0) rate = static_cast<double>(done_ - first_done_) / since;
    }
    std::ostringstream line;
    line << label_ << ' ';
    if (total_ > 0) {
        constexpr int kWidth = 24;
        const double fraction =
            std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
        const int filled = static_cast<int>(fraction * kWidth);
        line << '[' << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] "
             << done_ << '/' << total_;
    } else {
        line << done_;
    }
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "%.2f", rate);
    line << ' ' << unit_ << "  " << rate_text << ' ' << unit_ << "/s  elapsed "
         << format_duration(elapsed);
    if (total_ > 0 && !final && rate > 0)
        line << "  ETA " << format_duration(static_cast<double>(total_ - done_) / rate);
    if (!extra_.empty()) line << "  " << extra_;
    if (tty_)
        std::fprintf(stderr, "\r\033[K%s%s", line.str().c_str(), final ? "\n" : "");
    else
        std::fprintf(stderr, "%s\n", line.str().c_str());
    std::fflush(stderr);
}

}  // namespace stylecam
