#include "gui/gl_objects.h"

#include "core/error.h"
#include "core/file_util.h"

#include <opencv2/imgproc.hpp>

#include <utility>

namespace stylecam {

GlTexture::GlTexture() { glGenTextures(1, &id_); }

GlTexture::~GlTexture() {
    if (id_) glDeleteTextures(1, &id_);
}

GlTexture::GlTexture(GlTexture&& other) noexcept
    : id_(std::exchange(other.id_, 0)), size_(std::exchange(other.size_, {})) {}

GlTexture& GlTexture::operator=(GlTexture&& other) noexcept {
    if (this != &other) {
        if (id_) glDeleteTextures(1, &id_);
        id_ = std::exchange(other.id_, 0);
        size_ = std::exchange(other.size_, {});
    }
    return *this;
}

void GlTexture::upload(const cv::Mat& bgr8) {
    STYLECAM_CHECK(bgr8.type() == CV_8UC3, "GlTexture: expected CV_8UC3");
    glBindTexture(GL_TEXTURE_2D, id_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, static_cast<GLint>(bgr8.step[0] / 3));
    if (bgr8.size() != size_) {
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, bgr8.cols, bgr8.rows, 0, GL_BGR, GL_UNSIGNED_BYTE,
                     bgr8.data);
        size_ = bgr8.size();
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, bgr8.cols, bgr8.rows, GL_BGR, GL_UNSIGNED_BYTE,
                        bgr8.data);
    }
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
}

namespace {

GLuint compile(GLenum type, const std::string& path) {
    std::string source;
    try {
        source = read_file_bytes(path);
    } catch (const Error& error) {
        STYLECAM_FAIL("shader ", error.what());
    }
    const GLuint shader = glCreateShader(type);
    const char* text = source.c_str();
    glShaderSource(shader, 1, &text, nullptr);
    glCompileShader(shader);
    GLint ok = GL_FALSE;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok != GL_TRUE) {
        char log[1024] = {};
        glGetShaderInfoLog(shader, sizeof log, nullptr, log);
        glDeleteShader(shader);
        std::string message(log);
        if (auto newline = message.find('\n'); newline != std::string::npos)
            message.resize(newline);
        STYLECAM_FAIL(path, ": shader does not compile: ", message);
    }
    return shader;
}

}  // namespace

ShaderProgram::ShaderProgram(const std::string& vertex_path, const std::string& fragment_path) {
    const GLuint vertex = compile(GL_VERTEX_SHADER, vertex_path);
    GLuint fragment = 0;
    try {
        fragment = compile(GL_FRAGMENT_SHADER, fragment_path);
    } catch (...) {
        glDeleteShader(vertex);
        throw;
    }
    program_ = glCreateProgram();
    glAttachShader(program_, vertex);
    glAttachShader(program_, fragment);
    glLinkProgram(program_);
    glDeleteShader(vertex);
    glDeleteShader(fragment);
    GLint ok = GL_FALSE;
    glGetProgramiv(program_, GL_LINK_STATUS, &ok);
    if (ok != GL_TRUE) {
        char log[1024] = {};
        glGetProgramInfoLog(program_, sizeof log, nullptr, log);
        glDeleteProgram(program_);
        STYLECAM_FAIL(fragment_path, ": shader program does not link: ", log);
    }
}

ShaderProgram::~ShaderProgram() {
    if (program_) glDeleteProgram(program_);
}

cv::Mat read_framebuffer(int width, int height) {
    cv::Mat rgb(height, width, CV_8UC3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_BGR, GL_UNSIGNED_BYTE, rgb.data);
    cv::Mat flipped;
    cv::flip(rgb, flipped, 0);  // OpenGL's first row is the bottom one
    return flipped;
}

}  // namespace stylecam
