#pragma once
/// A minimal in-window file browser (Dear ImGui, main thread): folders and images of one folder,
/// click a folder to enter it, click an image to choose it; or type a path.

#include <optional>
#include <string>

namespace stylecam {

class FileBrowser {
  public:
    explicit FileBrowser(std::string folder);
    /// Draws the browser in a child region `height` pixels tall; returns a chosen file.
    std::optional<std::string> draw(const char* id, float height);
    const std::string& folder() const { return folder_; }

  private:
    std::string folder_;
    char typed_[1024] = {};
};

}  // namespace stylecam
