#pragma once
/// Draws the original and stylized textures into the video area with the shaders from
/// `shaders/` (main thread, GL context current).

#include "gui/gl_objects.h"
#include "gui/view_layout.h"

#include <string>

namespace stylecam {

class VideoView {
  public:
    /// Loads `video.vert` and `video.frag` from `shader_dir`; throws `Error` naming a missing or
    /// failing shader.
    explicit VideoView(const std::string& shader_dir);
    ~VideoView();
    VideoView(const VideoView&) = delete;
    VideoView& operator=(const VideoView&) = delete;

    /// Draws into `area` (window pixels, top-left origin) of a framebuffer `framebuffer_height`
    /// pixels tall. `split` (0..1) is the divider position for the wipe view.
    void draw(const GlTexture& original, const GlTexture& stylized, const ViewRect& area,
              ViewMode mode, float split, int framebuffer_height);

  private:
    void draw_quad(const ViewRect& rect, float split, int framebuffer_height);
    ShaderProgram program_;
    GLuint vertex_array_ = 0;
};

}  // namespace stylecam
