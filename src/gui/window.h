#pragma once
/// GLFW window with an OpenGL 3.3 core context, and the Dear ImGui context bound to it.
/// Created, used and destroyed on the main thread only; members shut down in reverse order.

#include <string>
#include <vector>

struct GLFWwindow;

namespace stylecam {

class Window {
  public:
    /// Initialises GLFW, opens the window, makes its context current, starts ImGui with the GLFW
    /// and OpenGL3 backends. Throws `Error` when no display or no OpenGL 3.3 is available.
    Window(int width, int height, const std::string& title);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    GLFWwindow* handle() const { return window_; }
    bool should_close() const;
    void request_close();
    /// Framebuffer size in pixels.
    void framebuffer_size(int* width, int* height) const;
    void toggle_fullscreen();
    /// Poll events and start an ImGui frame.
    void begin_frame();
    /// Render ImGui on top of what was drawn.
    void render_ui();
    void swap();
    /// The renderer string ("llvmpipe (LLVM 15.0.6, 256 bits)").
    std::string renderer() const;
    /// Paths of files dropped onto the window since the last call.
    std::vector<std::string> take_dropped_files();

  private:
    GLFWwindow* window_ = nullptr;
    bool imgui_glfw_ = false, imgui_gl_ = false;
    std::vector<std::string> dropped_;
    int windowed_x_ = 0, windowed_y_ = 0, windowed_w_ = 0, windowed_h_ = 0;
};

}  // namespace stylecam
