#include "live/status_log.h"

#include <spdlog/spdlog.h>

namespace stylecam {
namespace {

/// Logs `now` as a warning when it differs from `last` and is not empty; remembers it.
void log_change(std::string& last, const std::string& now) {
    if (now != last && !now.empty()) spdlog::warn("{}", now);
    last = now;
}

}  // namespace

void LiveStatusLog::update(const LiveStats& stats) {
    log_change(source_status_, stats.source_status);
    log_change(error_, stats.error);
    log_change(recording_error_, stats.recording_error);
}

}  // namespace stylecam
