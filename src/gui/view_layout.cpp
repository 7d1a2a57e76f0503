#include "gui/view_layout.h"

#include <algorithm>

namespace stylecam {

ViewRect fit(const ViewRect& area, cv::Size image) {
    if (image.width <= 0 || image.height <= 0 || area.w <= 0 || area.h <= 0) return {};
    const float scale = std::min(area.w / static_cast<float>(image.width),
                                 area.h / static_cast<float>(image.height));
    const float w = image.width * scale, h = image.height * scale;
    return {area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h};
}

ViewLayout layout_views(const ViewRect& area, cv::Size image, ViewMode mode) {
    ViewLayout layout;
    switch (mode) {
        case ViewMode::SideBySide: {
            const float half = area.w / 2;
            layout.original = fit({area.x, area.y, half, area.h}, image);
            layout.stylized = fit({area.x + half, area.y, half, area.h}, image);
            break;
        }
        case ViewMode::Stylized:
            layout.stylized = fit(area, image);
            break;
        case ViewMode::Original:
            layout.original = fit(area, image);
            break;
        case ViewMode::Wipe:
            layout.original = layout.stylized = fit(area, image);
            break;
    }
    return layout;
}

}  // namespace stylecam
