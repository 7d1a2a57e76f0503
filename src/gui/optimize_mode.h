#pragma once
/// The window's optimization mode: choose a content and a style image (browser, dropped files or
/// the current camera frame), set the knobs, run `OptimizationJob` in the background and watch
/// the result and the loss curve evolve; save the result and a content | style | result sheet.
/// Main thread only (ImGui and GL); the optimization runs on the job's own thread.

#include "gui/file_browser.h"
#include "gui/gl_objects.h"
#include "gui/view_layout.h"
#include "optimize/optimization_job.h"

#include <string>

namespace stylecam {

/// The knobs, with the same defaults as `stylecam optimize` (taken from GatysOptions).
struct OptimizeSettings {
    int size = GatysOptions{}.scales.back();
    int iterations = GatysOptions{}.iterations;
    float style_strength = 0.5f;  ///< 0..1 → style weight ×10^(4·(s − 0.5)) around the default
    bool advanced = false;        ///< use the exact weights below instead of the slider
    double content_weight = GatysOptions{}.weights.content;
    double style_weight = GatysOptions{}.weights.style;
    double tv_weight = GatysOptions{}.weights.tv;
    bool preserve_colors = false;
    bool adam = false;
    bool multi_scale = false;  ///< two passes: size/2, then size
};

/// The optimizer options these settings mean (the only mapping from the UI to the engine).
GatysOptions gatys_options(const OptimizeSettings& settings);

class OptimizeMode {
  public:
    OptimizeMode(std::string vgg_path, std::string save_dir);

    /// Loads an image as content (`as_style` false) or style; a file that is not a readable
    /// image changes nothing and leaves a message. Returns whether it was taken.
    bool choose(const std::string& path, bool as_style);
    /// Uses a camera frame (BGR) as content or style.
    void choose_frame(const cv::Mat& frame, bool as_style);
    /// Files dropped onto the window go to the drop target chosen in the panel.
    void dropped(const std::vector<std::string>& paths);

    void start();
    /// Side-panel controls. `camera_frame` is the latest original frame (may be empty).
    void draw_panel(const cv::Mat& camera_frame);
    /// Content, style, the evolving result and the loss curve, in `area`.
    void draw_view(const ViewRect& area);

    bool busy() const { return job_.active(); }
    bool finished() const;
    OptimizationJob& job() { return job_; }
    OptimizeSettings& settings() { return settings_; }
    const std::string& message() const { return message_; }
    /// Writes the result (and the sheet when `sheet`) to the save folder; returns the path.
    std::string save(bool sheet);

  private:
    void refresh_textures();

    std::string vgg_path_, save_dir_;
    OptimizeSettings settings_;
    OptimizationJob job_;
    cv::Mat content_, style_;
    std::string content_name_, style_name_;
    GlTexture content_texture_, style_texture_, result_texture_, curve_texture_;
    uint64_t shown_version_ = 0;
    size_t shown_points_ = 0;
    int drop_target_ = 0;  // 0 content, 1 style
    bool save_sheet_ = true;
    std::string message_;
    FileBrowser browser_;
};

/// content | style | result side by side at the result's height (the picture people share).
cv::Mat make_sheet(const cv::Mat& content, const cv::Mat& style, const cv::Mat& result);

}  // namespace stylecam
