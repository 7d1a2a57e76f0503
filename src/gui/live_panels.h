#pragma once
/// The live window's panels as functions of plain state that return what the user asked for
/// (Dear ImGui immediate mode; main thread).

#include "gui/gl_objects.h"
#include "gui/view_layout.h"
#include "live/live_pipeline.h"

#include <functional>
#include <string>
#include <vector>

namespace stylecam {

/// What the widgets show and edit.
struct LiveUiState {
    int style = 0;
    float strength = 1.0f;
    bool preserve_colors = false;
    float scale = 1.0f;         ///< the user's scale (with auto scale, the highest it uses)
    bool auto_scale = true;     ///< lower the scale while the network cannot keep the frame rate
    float stabilize = 0.0f;     ///< temporal stabilizer strength, 0..1 (0: off)
    bool temporal_norm = true;  ///< carry instance-norm statistics from frame to frame
    int device = 0;             ///< 0 auto, 1 cpu, 2 cuda
    int precision = 0;          ///< 0 auto, 1 fp32, 2 bf16, 3 fp16
    ViewMode mode = ViewMode::SideBySide;
    float split = 0.5f;
    bool record_side_by_side = false;
    std::string message;  ///< last notice (snapshot saved, recording stopped, ...)
};

/// What the user asked for in this frame.
struct LiveUiActions {
    int select_style = -1;
    bool strength_changed = false;
    bool preserve_colors_changed = false;
    bool scale_changed = false;
    bool auto_scale_changed = false;
    bool stabilize_changed = false;
    bool temporal_norm_changed = false;
    bool network_changed = false;
    bool toggle_recording = false;
    bool snapshot = false;
    bool fullscreen = false;
    bool quit = false;
    bool optimize_tab = false;  ///< the Optimize tab is the one shown

    void merge(const LiveUiActions& other);
};

/// The side panel at the window's left edge, `width` pixels wide and `height` tall, with two
/// tabs: Live (styles with thumbnails, the "Any painting" section drawn by `painting_section`,
/// controls, recording, stats) and Optimize (drawn by `optimize_tab`). `select_optimize`
/// switches to the Optimize tab in this frame.
LiveUiActions draw_live_panel(LiveUiState& state, const LiveStats& stats,
                              const std::vector<StyleEntry>& styles,
                              const std::vector<GlTexture>& thumbnails, bool cuda, float width,
                              float height, double display_fps, double latency_ms,
                              const std::function<void()>& optimize_tab, bool select_optimize,
                              const std::function<void()>& painting_section = {});

/// Keyboard shortcuts (ignored while a text field has focus): 1–9 style, R record, S snapshot,
/// F full screen, Esc quit.
LiveUiActions read_shortcuts(int style_count);

/// The wipe view's divider: drawn over `picture`; dragging it moves `state.split`.
void draw_wipe_divider(LiveUiState& state, const ViewRect& picture);

/// One line on the video area for each thing that is wrong (source lost, model error, recording
/// stopped).
void draw_status_banner(const LiveStats& stats, const ViewRect& area);

}  // namespace stylecam
