#include "live/headless_run.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace stylecam {

HeadlessSummary run_headless(LivePipeline& pipeline, LiveStreamOutput* output, int64_t frames,
                             const std::atomic<bool>& interrupted) {
    struct StopOnExit {
        LivePipeline& pipeline;
        LiveStreamOutput* output;
        ~StopOnExit() {
            if (output) output->stop();
            pipeline.stop();
        }
    } stop_on_exit{pipeline, output};

    HeadlessSummary summary;
    std::string last_error, last_status;
    while (!interrupted) {
        if (auto result = pipeline.take_result()) {
            ++summary.taken;
            const double latency =
                std::chrono::duration<double, std::milli>(LiveClock::now() - result->captured)
                    .count();
            summary.latency_ms =
                summary.latency_ms == 0 ? latency : 0.8 * summary.latency_ms + 0.2 * latency;
        }
        const LiveStats stats = pipeline.stats();
        if (stats.error != last_error && !stats.error.empty()) spdlog::warn("{}", stats.error);
        if (stats.source_status != last_status && !stats.source_status.empty())
            spdlog::warn("{}", stats.source_status);
        last_error = stats.error;
        last_status = stats.source_status;
        if (output ? output->finished() : frames >= 0 && summary.taken >= frames) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    summary.running = pipeline.stats();
    if (output) output->stop();
    pipeline.stop();
    summary.stats = pipeline.stats();
    return summary;
}

}  // namespace stylecam
