#pragma once
/// `stylecam live --no-window`: the live pipeline with no window and no OpenGL context, for
/// streaming (y4m pipe, virtual camera) and scripts. Runs on the calling thread until
/// `interrupted`, the stream output finishes (its frame count reached, its reader gone, a sink
/// failed), or — without an output — `frames` stylized frames were taken.

#include "live/live_pipeline.h"
#include "live/stream_output.h"

#include <atomic>
#include <string>

namespace stylecam {

struct HeadlessSummary {
    int64_t taken = 0;      ///< stylized frames taken from the pipeline
    double latency_ms = 0;  ///< capture to stylized, smoothed
    LiveStats running;      ///< the stats just before stopping (rates are live figures)
    LiveStats stats;        ///< after the pipeline stopped (recording flushed)
};

/// `output` may be null; `frames` ≥ 0 counts taken frames only when there is no output (the
/// output counts its own). The pipeline and the output are stopped before returning, whatever
/// happens. Pipeline errors (a model that fails, a lost camera) are logged once each.
HeadlessSummary run_headless(LivePipeline& pipeline, LiveStreamOutput* output, int64_t frames,
                             const std::atomic<bool>& interrupted);

}  // namespace stylecam
