#pragma once
/// Where the pictures go in the video area: pure geometry, no OpenGL (testable).

#include <opencv2/core.hpp>

namespace stylecam {

enum class ViewMode { SideBySide, Stylized, Original, Wipe };

/// Pixels, origin at the top-left of the window.
struct ViewRect {
    float x = 0, y = 0, w = 0, h = 0;
    bool contains(float px, float py) const {
        return px >= x && px < x + w && py >= y && py < y + h;
    }
};

struct ViewLayout {
    ViewRect original;  ///< empty (w = 0) when not shown
    ViewRect stylized;  ///< in Wipe mode both rects are the same
};

/// The largest rect with `image`'s aspect ratio centred in `area`.
ViewRect fit(const ViewRect& area, cv::Size image);

/// Side by side: the area split in two equal halves, each picture fitted in its half.
/// Stylized/Original: one picture fitted in the whole area. Wipe: both in the same rect.
ViewLayout layout_views(const ViewRect& area, cv::Size image, ViewMode mode);

}  // namespace stylecam
