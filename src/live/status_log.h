#pragma once
/// The live pipeline's troubles in the log: each new line of `LiveStats` (a lost source, a model
/// that failed to load, a recording that stopped) is logged once when it appears, and a style
/// change is logged with the style's name, so that a window run and a headless run leave the
/// same trail as what the window shows.
///
/// Threads: one thread (the one that polls the stats) owns it.

#include "live/live_pipeline.h"

#include <string>
#include <vector>

namespace stylecam {

class LiveStatusLog {
  public:
    /// Logs what changed since the last call (warnings for troubles, info for a style change).
    void update(const LiveStats& stats, const std::vector<StyleEntry>& styles);

  private:
    std::string source_status_, error_, recording_error_;
    int style_ = -1;
};

}  // namespace stylecam
