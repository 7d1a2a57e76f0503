#include "gui/window.h"

#include "core/error.h"
#include "gui/gl.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <string>

namespace stylecam {
namespace {

std::string g_last_glfw_error;

extern "C" void on_glfw_error(int code, const char* description) {
    g_last_glfw_error = std::to_string(code) + ": " + (description ? description : "");
}

extern "C" void on_drop(GLFWwindow* window, int count, const char** paths) {
    auto* self = static_cast<std::vector<std::string>*>(glfwGetWindowUserPointer(window));
    for (int i = 0; self && i < count; ++i) self->emplace_back(paths[i]);
}

}  // namespace

Window::Window(int width, int height, const std::string& title) {
    glfwSetErrorCallback(on_glfw_error);
    STYLECAM_CHECK(glfwInit() == GLFW_TRUE, "live: cannot start GLFW (no display? ",
                   g_last_glfw_error, "); run under a desktop session or xvfb-run");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
    if (!window_) {
        glfwTerminate();
        STYLECAM_FAIL("live: cannot open an OpenGL 3.3 window (", g_last_glfw_error, ")");
    }
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(1);
    glfwSetWindowUserPointer(window_, &dropped_);
    glfwSetDropCallback(window_, on_drop);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini beside the user's files
    ImGui::StyleColorsDark();
    imgui_glfw_ = ImGui_ImplGlfw_InitForOpenGL(window_, true);
    imgui_gl_ = ImGui_ImplOpenGL3_Init("#version 330");
    STYLECAM_CHECK(imgui_glfw_ && imgui_gl_,
                   "live: cannot start Dear ImGui's GLFW/OpenGL3 backends");
}

Window::~Window() {
    if (imgui_gl_) ImGui_ImplOpenGL3_Shutdown();
    if (imgui_glfw_) ImGui_ImplGlfw_Shutdown();
    if (ImGui::GetCurrentContext()) ImGui::DestroyContext();
    if (window_) glfwDestroyWindow(window_);
    glfwTerminate();
}

bool Window::should_close() const { return glfwWindowShouldClose(window_) != 0; }

void Window::request_close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }

void Window::framebuffer_size(int* width, int* height) const {
    glfwGetFramebufferSize(window_, width, height);
}

void Window::toggle_fullscreen() {
    if (glfwGetWindowMonitor(window_)) {
        glfwSetWindowMonitor(window_, nullptr, windowed_x_, windowed_y_, windowed_w_, windowed_h_,
                             0);
        return;
    }
    GLFWmonitor* monitor = glfwGetPrimaryMonitor();
    if (!monitor) return;
    glfwGetWindowPos(window_, &windowed_x_, &windowed_y_);
    glfwGetWindowSize(window_, &windowed_w_, &windowed_h_);
    const GLFWvidmode* mode = glfwGetVideoMode(monitor);
    glfwSetWindowMonitor(window_, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
}

void Window::begin_frame() {
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void Window::render_ui() {
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::swap() { glfwSwapBuffers(window_); }

std::vector<std::string> Window::take_dropped_files() {
    std::vector<std::string> files;
    files.swap(dropped_);
    return files;
}

std::string Window::renderer() const {
    const auto* text = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    return text ? text : "unknown";
}

}  // namespace stylecam
