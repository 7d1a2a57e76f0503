#include "gui/video_view.h"

#include <cmath>

namespace stylecam {

VideoView::VideoView(const std::string& shader_dir)
    : program_(shader_dir + "/video.vert", shader_dir + "/video.frag") {
    glGenVertexArrays(1, &vertex_array_);  // core profile: drawing needs a bound VAO
}

VideoView::~VideoView() {
    if (vertex_array_) glDeleteVertexArrays(1, &vertex_array_);
}

void VideoView::draw_quad(const ViewRect& rect, float split, int framebuffer_height) {
    if (rect.w <= 0 || rect.h <= 0) return;
    glViewport(static_cast<GLint>(std::lround(rect.x)),
               static_cast<GLint>(std::lround(framebuffer_height - rect.y - rect.h)),
               static_cast<GLsizei>(std::lround(rect.w)),
               static_cast<GLsizei>(std::lround(rect.h)));
    glUniform1f(program_.uniform("u_split"), split);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

void VideoView::draw(const GlTexture& original, const GlTexture& stylized, const ViewRect& area,
                     ViewMode mode, float split, int framebuffer_height) {
    if (original.empty() || stylized.empty()) return;
    const ViewLayout layout = layout_views(area, original.size(), mode);
    glUseProgram(program_.id());
    glBindVertexArray(vertex_array_);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, original.id());
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, stylized.id());
    glUniform1i(program_.uniform("u_original"), 0);
    glUniform1i(program_.uniform("u_stylized"), 1);
    if (mode == ViewMode::Wipe) {
        draw_quad(layout.stylized, split, framebuffer_height);
    } else {
        draw_quad(layout.original, 1.0f, framebuffer_height);
        draw_quad(layout.stylized, 0.0f, framebuffer_height);
    }
    glBindVertexArray(0);
    glActiveTexture(GL_TEXTURE0);
    glUseProgram(0);
}

}  // namespace stylecam
