#include "gui/live_panels.h"

#include "core/cpu_features.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cstdint>

namespace stylecam {
namespace {

ImTextureID texture_id(const GlTexture& texture) {
    return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture.id()));
}

void draw_live_tab(LiveUiActions& actions, LiveUiState& state, const LiveStats& stats,
                   const std::vector<StyleEntry>& styles, const std::vector<GlTexture>& thumbnails,
                   bool cuda, float width, double display_fps, double latency_ms,
                   const std::function<void()>& painting_section);

}  // namespace

void LiveUiActions::merge(const LiveUiActions& other) {
    if (other.select_style >= 0) select_style = other.select_style;
    strength_changed |= other.strength_changed;
    preserve_colors_changed |= other.preserve_colors_changed;
    scale_changed |= other.scale_changed;
    auto_scale_changed |= other.auto_scale_changed;
    stabilize_changed |= other.stabilize_changed;
    temporal_norm_changed |= other.temporal_norm_changed;
    network_changed |= other.network_changed;
    toggle_recording |= other.toggle_recording;
    snapshot |= other.snapshot;
    fullscreen |= other.fullscreen;
    quit |= other.quit;
    optimize_tab |= other.optimize_tab;
}

LiveUiActions draw_live_panel(LiveUiState& state, const LiveStats& stats,
                              const std::vector<StyleEntry>& styles,
                              const std::vector<GlTexture>& thumbnails, bool cuda, float width,
                              float height, double display_fps, double latency_ms,
                              const std::function<void()>& optimize_tab, bool select_optimize,
                              const std::function<void()>& painting_section) {
    LiveUiActions actions;
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(width, height));
    ImGui::Begin("StyleCam", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
    ImGui::BeginTabBar("modes");
    if (ImGui::BeginTabItem("Live")) {
        draw_live_tab(actions, state, stats, styles, thumbnails, cuda, width, display_fps,
                      latency_ms, painting_section);
        ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Optimize", nullptr,
                            select_optimize ? ImGuiTabItemFlags_SetSelected : 0)) {
        actions.optimize_tab = true;
        optimize_tab();
        ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    ImGui::End();
    return actions;
}

namespace {

void draw_live_tab(LiveUiActions& actions, LiveUiState& state, const LiveStats& stats,
                   const std::vector<StyleEntry>& styles, const std::vector<GlTexture>& thumbnails,
                   bool cuda, float width, double display_fps, double latency_ms,
                   const std::function<void()>& painting_section) {
    ImGui::TextDisabled("Style (keys 1-9)");
    constexpr size_t kPerRow = 3;
    const float thumb_w = (width - 24 - 12 * kPerRow) / kPerRow;
    for (size_t i = 0; i < styles.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        const bool selected = static_cast<int>(i) == state.style;
        ImGui::BeginGroup();
        if (i < thumbnails.size() && !thumbnails[i].empty()) {
            const auto size = thumbnails[i].size();
            const ImVec2 extent(thumb_w, thumb_w * size.height / std::max(1, size.width));
            const ImVec4 border = selected ? ImVec4(1.0f, 0.8f, 0.2f, 1.0f) : ImVec4(0, 0, 0, 0);
            if (ImGui::ImageButton(texture_id(thumbnails[i]), extent, ImVec2(0, 0), ImVec2(1, 1), 2,
                                   border))
                actions.select_style = static_cast<int>(i);
        } else if (ImGui::Button("...", ImVec2(thumb_w, thumb_w * 0.75f))) {
            actions.select_style = static_cast<int>(i);
        }
        const std::string label = (i < 9 ? std::to_string(i + 1) + " " : "") + styles[i].name;
        if (selected)
            ImGui::TextColored(ImVec4(1.0f, 0.8f, 0.2f, 1.0f), "%s", label.c_str());
        else
            ImGui::TextUnformatted(label.c_str());
        ImGui::EndGroup();
        ImGui::PopID();
        if (i % kPerRow != kPerRow - 1 && i + 1 < styles.size()) ImGui::SameLine();
    }
    if (painting_section) {
        ImGui::Separator();
        painting_section();
    }

    ImGui::Separator();
    actions.strength_changed = ImGui::SliderFloat("Strength", &state.strength, 0.0f, 1.0f, "%.2f");
    actions.preserve_colors_changed = ImGui::Checkbox("Preserve colours", &state.preserve_colors);
    actions.scale_changed = ImGui::SliderFloat("Scale", &state.scale, 0.25f, 1.0f, "%.2f");
    actions.auto_scale_changed = ImGui::Checkbox("Auto scale", &state.auto_scale);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Lower the scale (never above the slider's) while the network cannot keep the frame "
            "rate; raise it again when it can");
    actions.stabilize_changed = ImGui::SliderFloat("Stabilize", &state.stabilize, 0.0f, 1.0f,
                                                   state.stabilize > 0 ? "%.2f" : "off");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Against flicker: blend each frame with the previous output, moved along the "
            "camera's optical flow, where the motion is reliable (0: off; 0.8 recommended)");
    actions.temporal_norm_changed = ImGui::Checkbox("Steady statistics", &state.temporal_norm);
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Each frame's network keeps most of the previous frame's feature statistics: still "
            "backgrounds stop shimmering when something moves (free; scene cuts start afresh)");
    const char* devices[] = {"auto", "cpu", "cuda"};
    const char* precisions[] = {"auto", "fp32", "bf16", "fp16"};
    const int device_count = cuda ? 3 : 2;
    actions.network_changed |= ImGui::Combo("Device", &state.device, devices, device_count);
    actions.network_changed |= ImGui::Combo("Precision", &state.precision, precisions, 4);
    int mode = static_cast<int>(state.mode);
    const char* modes[] = {"side by side", "stylized", "original", "wipe"};
    if (ImGui::Combo("View", &mode, modes, 4)) state.mode = static_cast<ViewMode>(mode);

    ImGui::Separator();
    if (stats.recording) {
        if (ImGui::Button("Stop recording (R)")) actions.toggle_recording = true;
        ImGui::TextColored(ImVec4(1, 0.3f, 0.3f, 1), "REC %lld frames",
                           static_cast<long long>(stats.recorded_frames));
        ImGui::TextWrapped("%s", stats.recording_path.c_str());
    } else {
        if (ImGui::Button("Record (R)")) actions.toggle_recording = true;
        ImGui::SameLine();
        ImGui::Checkbox("side by side", &state.record_side_by_side);
    }
    if (!stats.recording_error.empty())
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", stats.recording_error.c_str());
    if (ImGui::Button("Snapshot (S)")) actions.snapshot = true;
    ImGui::SameLine();
    if (ImGui::Button("Full screen (F)")) actions.fullscreen = true;
    ImGui::SameLine();
    if (ImGui::Button("Quit")) actions.quit = true;
    if (!state.message.empty()) ImGui::TextWrapped("%s", state.message.c_str());

    ImGui::Separator();
    ImGui::TextDisabled("Stats");
    ImGui::Text("capture   %6.1f fps", stats.capture_fps);
    ImGui::Text("inference %6.1f fps  %6.0f ms", stats.inference_fps, stats.inference_ms);
    if (stats.stabilize > 0)
        ImGui::Text("stabilize %.2f       %6.1f ms", stats.stabilize, stats.stabilize_ms);
    if (stats.auto_scale)
        ImGui::Text("scale in use %.2f (auto, target %.0f fps)", stats.scale, stats.target_fps);
    ImGui::Text("display   %6.1f fps", display_fps);
    ImGui::Text("latency   %6.0f ms", latency_ms);
    ImGui::Text("dropped   %6lld frames", static_cast<long long>(stats.dropped));
    ImGui::TextWrapped("source: %s", stats.source.c_str());
    ImGui::TextWrapped("network: %s", stats.network.c_str());
    ImGui::TextWrapped("cpu: %s", describe_cpu(cpu_features()).c_str());
}

}  // namespace

LiveUiActions read_shortcuts(int style_count) {
    LiveUiActions actions;
    if (ImGui::GetIO().WantTextInput) return actions;
    for (int i = 0; i < std::min(style_count, 9); ++i)
        if (ImGui::IsKeyPressed(GLFW_KEY_1 + i, false)) actions.select_style = i;
    // Dear ImGui 1.86 (Debian 12) indexes keys by the backend's key codes: GLFW's.
    actions.toggle_recording = ImGui::IsKeyPressed(GLFW_KEY_R, false);
    actions.snapshot = ImGui::IsKeyPressed(GLFW_KEY_S, false);
    actions.fullscreen = ImGui::IsKeyPressed(GLFW_KEY_F, false);
    actions.quit = ImGui::IsKeyPressed(GLFW_KEY_ESCAPE, false);
    return actions;
}

void draw_wipe_divider(LiveUiState& state, const ViewRect& picture) {
    if (picture.w <= 0) return;
    ImDrawList* draw = ImGui::GetForegroundDrawList();
    const float x = picture.x + state.split * picture.w;
    draw->AddLine(ImVec2(x, picture.y), ImVec2(x, picture.y + picture.h),
                  IM_COL32(255, 255, 255, 220), 2.0f);
    draw->AddCircleFilled(ImVec2(x, picture.y + picture.h / 2), 8.0f, IM_COL32(255, 255, 255, 220));
    const ImGuiIO& io = ImGui::GetIO();
    if (!io.WantCaptureMouse && ImGui::IsMouseDown(ImGuiMouseButton_Left) &&
        picture.contains(io.MousePos.x, io.MousePos.y))
        state.split = std::clamp((io.MousePos.x - picture.x) / picture.w, 0.0f, 1.0f);
}

void draw_status_banner(const LiveStats& stats, const ViewRect& area) {
    std::string text;
    for (const auto* line : {&stats.source_status, &stats.error, &stats.recording_error})
        if (!line->empty()) text += (text.empty() ? "" : "\n") + *line;
    if (text.empty() && stats.paused)
        text = "live stylization paused while the optimization runs on the CPU";
    if (text.empty()) return;
    ImDrawList* draw = ImGui::GetForegroundDrawList();
    const ImVec2 position(area.x + 12, area.y + 12);
    const ImVec2 size = ImGui::CalcTextSize(text.c_str());
    draw->AddRectFilled(ImVec2(position.x - 6, position.y - 4),
                        ImVec2(position.x + size.x + 6, position.y + size.y + 4),
                        IM_COL32(120, 0, 0, 220));
    draw->AddText(position, IM_COL32(255, 255, 255, 255), text.c_str());
}

}  // namespace stylecam
