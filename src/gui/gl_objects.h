#pragma once
/// RAII OpenGL objects (main thread only, with the window's context current).

#include "gui/gl.h"

#include <opencv2/core.hpp>

#include <string>

namespace stylecam {

/// A 2D RGB texture holding the latest uploaded image.
class GlTexture {
  public:
    GlTexture();
    ~GlTexture();
    GlTexture(GlTexture&& other) noexcept;
    GlTexture& operator=(GlTexture&& other) noexcept;
    GlTexture(const GlTexture&) = delete;
    GlTexture& operator=(const GlTexture&) = delete;

    /// Uploads a CV_8UC3 BGR image (any stride); reallocates when the size changes.
    void upload(const cv::Mat& bgr8);
    GLuint id() const { return id_; }
    cv::Size size() const { return size_; }
    bool empty() const { return size_.area() == 0; }

  private:
    GLuint id_ = 0;
    cv::Size size_;
};

/// A linked vertex + fragment program built from two GLSL files.
class ShaderProgram {
  public:
    /// Reads and compiles `vertex_path` and `fragment_path`; throws `Error` naming the file and
    /// the compiler's first message when one is missing or fails.
    ShaderProgram(const std::string& vertex_path, const std::string& fragment_path);
    ~ShaderProgram();
    ShaderProgram(const ShaderProgram&) = delete;
    ShaderProgram& operator=(const ShaderProgram&) = delete;

    GLuint id() const { return program_; }
    GLint uniform(const char* name) const { return glGetUniformLocation(program_, name); }

  private:
    GLuint program_ = 0;
};

/// The current framebuffer (whole window) as CV_8UC3 BGR, top row first.
cv::Mat read_framebuffer(int width, int height);

}  // namespace stylecam
