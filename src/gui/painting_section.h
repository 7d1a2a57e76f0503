#pragma once
/// The Live tab's "Any painting" section (main thread): open a painting with the file browser,
/// or take the current camera frame as one; an image dropped on the window while the Live tab
/// shows becomes a painting too. Each choice is a new style entry (MicroAST weights + painting)
/// for the pipeline's AddStyle command: it joins the style list for the session.

#include "gui/file_browser.h"
#include "live/live_pipeline.h"

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

namespace stylecam {

class PaintingSection {
  public:
    /// `weights`: the MicroAST file (empty: the section explains how to get one).
    /// `style_size`: the paintings' shorter side when encoded (PaintingStyle::style_size).
    PaintingSection(std::string weights, int style_size, std::string folder);

    /// Draws the section; returns the entry to add when the user chose a painting in this frame.
    /// `frame`: the current original frame (for "Use this frame"), may be empty.
    std::optional<StyleEntry> draw(const cv::Mat& frame);
    /// The entry for a dropped file when it is an image and weights exist.
    std::optional<StyleEntry> dropped(const std::vector<std::string>& files) const;
    bool available() const { return !weights_.empty(); }

    /// The entry for one painting part (a file, or an image in memory named by `part.path`).
    StyleEntry entry(PaintingPart part) const;

  private:
    std::string weights_;
    int style_size_;
    FileBrowser browser_;
    bool browsing_ = false;
    int frames_taken_ = 0;
};

}  // namespace stylecam
