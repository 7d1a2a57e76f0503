#pragma once
/// The live window's main loop: takes results from the pipeline, draws original | stylized with
/// the panels, turns the user's actions into pipeline commands. Runs on the main thread until
/// the window closes, Esc, `interrupted`, or `frames` displayed frames.

#include "gui/view_layout.h"
#include "live/live_pipeline.h"
#include "live/soak_monitor.h"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace stylecam {

/// A user action played by a script at a displayed-frame count (for tests and demos).
struct ScriptedEvent {
    enum class Kind { Drop, Style };
    int64_t frame = 0;  ///< after this many displayed frames
    Kind kind = Kind::Drop;
    std::string path;  ///< Drop: the file dropped on the window
    int style = 0;     ///< Style: the index selected (as keys 1-9 do, from 0)
};

/// "20:drop=painting.jpg;40:style=0" → events in frame order. Throws `Error` naming the bad
/// part.
std::vector<ScriptedEvent> parse_ui_script(const std::string& text);

struct LiveAppOptions {
    std::string shader_dir;            ///< holds video.vert and video.frag
    std::string record_dir = ".";      ///< where R and S write timestamped files
    bool record_side_by_side = false;  ///< initial state of the panel's checkbox
    int64_t frames = -1;               ///< quit after this many displayed frames (counted from the
                                       ///< first stylized picture); -1: run until closed
    double duration_s = -1;            ///< quit after this many seconds (-1: no limit)
    /// ≥ 0: measure the run as a soak (`SoakMonitor`) with this warm-up, in seconds; the
    /// figures come back in `LiveAppSummary::soak`.
    double soak_warmup_s = -1;
    std::string screenshot;          ///< write the last displayed window image here (PNG)
    int width = 1600, height = 760;  ///< initial window size
    ViewMode view = ViewMode::SideBySide;
    /// Optimization mode: VGG19 weights (empty: the mode explains how to provide them) and, for
    /// scripts, images to start an optimization with at once; `exit_when_done` quits when it ends.
    std::string vgg_path;
    std::string optimize_content, optimize_style;
    int optimize_iterations = -1;  ///< -1: the default
    int optimize_size = -1;        ///< -1: the default
    bool exit_when_done = false;
    /// Current settings, shown by the panel (the pipeline already uses them).
    StylizerOptions stylizer;
    int style = 0;
    bool auto_scale = true;
    double stabilize = 0;  ///< temporal stabilizer strength (0: off)
    /// "Any painting": MicroAST weights (empty: the section says how to get them), the
    /// paintings' encoding size (PaintingStyle::style_size) and the browser's first folder.
    std::string microast_path;
    int style_size = 512;
    std::string painting_folder = ".";
    std::vector<ScriptedEvent> script;  ///< played in order while frames are displayed
};

struct LiveAppSummary {
    int64_t displayed = 0;     ///< frames drawn with a stylized picture
    double display_fps = 0;    ///< over the last 2 s
    double latency_ms = 0;     ///< capture to display, smoothed
    LiveStats running;         ///< the stats just before stopping (rates are live figures)
    LiveStats stats;           ///< after the pipeline stopped (recording flushed)
    std::string renderer;      ///< OpenGL renderer string
    std::string optimization;  ///< how the optimization ended ("done: ...", "failed: ..."), if any
    bool optimization_failed = false;
    std::optional<SoakReport> soak;  ///< with `soak_warmup_s` ≥ 0; counts after the stop
};

/// Throws `Error` when the window or the shaders cannot be set up; the pipeline is stopped
/// (and its recording closed) before returning, whatever happens.
LiveAppSummary run_live_app(LivePipeline& pipeline, const LiveAppOptions& options,
                            const std::atomic<bool>& interrupted);

}  // namespace stylecam
