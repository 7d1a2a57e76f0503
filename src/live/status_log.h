#pragma once
/// The live pipeline's troubles in the log: each new line of `LiveStats` (a lost source, a model
/// that failed to load, a recording that stopped) is logged once when it appears, so that a
/// window run and a headless run leave the same trail as what the window shows. (Style changes
/// are logged by the pipeline itself, where they are applied.)
///
/// Threads: one thread (the one that polls the stats) owns it.

#include "live/live_pipeline.h"

#include <string>

namespace stylecam {

class LiveStatusLog {
  public:
    /// Logs as warnings the troubles that changed since the last call.
    void update(const LiveStats& stats);

  private:
    std::string source_status_, error_, recording_error_;
};

}  // namespace stylecam
