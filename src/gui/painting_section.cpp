#include "gui/painting_section.h"

#include "image/picture.h"

#include <imgui.h>

#include <filesystem>

namespace stylecam {

PaintingSection::PaintingSection(std::string weights, int style_size, std::string folder)
    : weights_(std::move(weights)), style_size_(style_size), browser_(std::move(folder)) {}

StyleEntry PaintingSection::entry(PaintingPart part) const {
    StyleEntry entry;
    entry.name = std::filesystem::path(part.path).stem().string();
    entry.path = weights_;
    entry.painting.style_size = style_size_;
    entry.painting.parts.push_back(std::move(part));
    return entry;
}

std::optional<StyleEntry> PaintingSection::draw(const cv::Mat& frame) {
    std::optional<StyleEntry> chosen;
    ImGui::TextDisabled("Any painting");
    if (!available()) {
        ImGui::TextWrapped(
            "needs MicroAST weights: live --microast FILE, $STYLECAM_MICROAST or "
            "microast.safetensors in a models folder (see the README)");
        return chosen;
    }
    if (ImGui::Button(browsing_ ? "Close browser" : "Open painting...")) browsing_ = !browsing_;
    ImGui::SameLine();
    if (ImGui::Button("Use this frame") && !frame.empty()) {
        chosen = entry({"frame " + std::to_string(++frames_taken_), 1, frame.clone()});
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The current camera frame becomes a style");
    if (browsing_) {
        if (auto file = browser_.draw("painting", 150)) {
            chosen = entry({*file, 1, cv::Mat()});
            browsing_ = false;
        }
    } else {
        ImGui::TextDisabled("or drop an image on the window");
    }
    return chosen;
}

std::optional<StyleEntry> PaintingSection::dropped(const std::vector<std::string>& files) const {
    if (!available() || files.size() != 1 || !has_image_extension(files.front())) return {};
    return entry({files.front(), 1, cv::Mat()});
}

}  // namespace stylecam
