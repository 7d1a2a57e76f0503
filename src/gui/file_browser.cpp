#include "gui/file_browser.h"

#include "image/picture.h"

#include <imgui.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

namespace stylecam {
namespace fs = std::filesystem;

FileBrowser::FileBrowser(std::string folder) : folder_(std::move(folder)) {
    std::error_code ec;
    folder_ = fs::absolute(folder_, ec).lexically_normal().string();
}

std::optional<std::string> FileBrowser::draw(const char* id, float height) {
    std::optional<std::string> chosen;
    ImGui::PushID(id);
    ImGui::SetNextItemWidth(-60);
    const bool entered = ImGui::InputTextWithHint("##path", "type a path", typed_, sizeof typed_,
                                                  ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Open") || entered) && typed_[0] != '\0') {
        std::error_code ec;
        if (fs::is_directory(typed_, ec))
            folder_ = fs::absolute(typed_, ec).lexically_normal().string();
        else
            chosen = std::string(typed_);
    }
    ImGui::TextDisabled("%s", folder_.c_str());
    ImGui::BeginChild("entries", ImVec2(0, height), true);
    std::vector<fs::path> folders, images;
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(folder_, fs::directory_options::skip_permission_denied, ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        if (entry.is_directory(ec))
            folders.push_back(entry.path());
        else if (has_image_extension(name))
            images.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    std::sort(images.begin(), images.end());
    if (ImGui::Selectable("[..]")) folder_ = fs::path(folder_).parent_path().string();
    for (const auto& folder : folders)
        if (ImGui::Selectable(("[" + folder.filename().string() + "]").c_str()))
            folder_ = folder.string();
    for (const auto& image : images)
        if (ImGui::Selectable(image.filename().string().c_str())) chosen = image.string();
    ImGui::EndChild();
    ImGui::PopID();
    return chosen;
}

}  // namespace stylecam
