#include "live/headless_run.h"

#include "live/status_log.h"

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
    LiveStatusLog status_log;
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
        status_log.update(stats);
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
