#include "stylize/painting.h"

#include "core/error.h"
#include "core/text.h"
#include "image/picture.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace stylecam {

std::string PaintingStyle::name() const {
    if (parts.empty()) return "";
    double total = 0;
    for (const auto& part : parts) total += part.weight;
    std::ostringstream out;
    for (size_t i = 0; i < parts.size(); ++i) {
        out << (i ? " + " : "") << std::filesystem::path(parts[i].path).stem().string();
        if (parts.size() > 1) out << " " << std::lround(100 * parts[i].weight / total) << "%";
    }
    return out.str();
}

std::vector<PaintingPart> parse_style_mix(const std::string& text) {
    std::vector<PaintingPart> parts;
    for (const auto& item : split(text, ',')) {
        PaintingPart part;
        part.path = item;
        const auto colon = item.rfind(':');
        if (colon != std::string::npos) {
            const std::string tail = item.substr(colon + 1);
            char* end = nullptr;
            const double weight = std::strtod(tail.c_str(), &end);
            if (!tail.empty() && end == tail.c_str() + tail.size()) {
                STYLECAM_CHECK(std::isfinite(weight) && weight > 0, "--style-mix: '", item,
                               "': the weight must be a positive number, got ", tail);
                part.path = item.substr(0, colon);
                part.weight = weight;
            }
        }
        STYLECAM_CHECK(!part.path.empty(), "--style-mix: '", item, "' names no painting");
        parts.push_back(part);
    }
    STYLECAM_CHECK(!parts.empty(), "--style-mix: no painting given (expected a.jpg:0.7,b.jpg:0.3)");
    return parts;
}

cv::Size painting_size(cv::Size original, int shorter) {
    double w = original.width, h = original.height;
    if (shorter > 0) {
        if (w <= h) {
            h = std::floor(h * shorter / w + 0.5);
            w = shorter;
        } else {
            w = std::floor(w * shorter / h + 0.5);
            h = shorter;
        }
    }
    const double longest = std::max(w, h);
    if (longest > kMaxPaintingSide) {
        const double fit = kMaxPaintingSide / longest;
        w = std::max(1.0, std::floor(w * fit + 0.5));
        h = std::max(1.0, std::floor(h * fit + 0.5));
    }
    return {static_cast<int>(w), static_cast<int>(h)};
}

PreparedPainting prepare_painting(const PaintingPart& part, int style_size) {
    STYLECAM_CHECK(style_size == 0 || style_size >= kMinPaintingSide,
                   "--style-size must be 0 (as "
                   "it is) or at least ",
                   kMinPaintingSide, ", got ", style_size);
    const cv::Mat original = part.image.empty() ? read_picture(part.path).bgr : part.image;
    STYLECAM_CHECK(original.type() == CV_8UC3, part.path, ": expected an 8-bit BGR painting");
    STYLECAM_CHECK(original.cols >= kMinPaintingSide && original.rows >= kMinPaintingSide,
                   part.path, ": the painting is ", original.cols, "×", original.rows,
                   " pixels; a style needs at least ", kMinPaintingSide, "×", kMinPaintingSide);
    PreparedPainting prepared;
    const cv::Size size = painting_size(original.size(), style_size);
    if (std::max(original.cols, original.rows) >= kHugePaintingSide)
        prepared.note = part.path + ": the painting is " + std::to_string(original.cols) + "×" +
                        std::to_string(original.rows) + " pixels; encoded at " +
                        std::to_string(size.width) + "×" + std::to_string(size.height);
    STYLECAM_CHECK(size.width >= kMinPaintingSide && size.height >= kMinPaintingSide, part.path,
                   ": the painting would be ", size.width, "×", size.height,
                   " pixels at this --style-size (too narrow); a style needs at least ",
                   kMinPaintingSide, "×", kMinPaintingSide);
    if (size == original.size()) {
        prepared.bgr = original;
    } else {
        const bool shrinking = size.area() < original.size().area();
        cv::resize(original, prepared.bgr, size, 0, 0,
                   shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
    }
    return prepared;
}

}  // namespace stylecam
