#include "gui/optimize_mode.h"

#include "core/error.h"
#include "image/picture.h"
#include "optimize/loss_history_plot.h"
#include "video/recorder.h"

#include <imgui.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>

namespace stylecam {
namespace {

ImTextureID texture_id(const GlTexture& texture) {
    return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture.id()));
}

/// An image fitted into `box` (ImGui cursor coordinates), or a placeholder text.
void image_in_box(const GlTexture& texture, ImVec2 origin, ImVec2 box, const char* empty_text) {
    ImGui::SetCursorScreenPos(origin);
    if (texture.empty()) {
        ImGui::TextDisabled("%s", empty_text);
        return;
    }
    const ViewRect fitted = fit({origin.x, origin.y, box.x, box.y}, texture.size());
    ImGui::SetCursorScreenPos(ImVec2(fitted.x, fitted.y));
    ImGui::Image(texture_id(texture), ImVec2(fitted.w, fitted.h));
}

std::string duration_text(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long total = std::lround(seconds);
    char text[32];
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

}  // namespace

GatysOptions gatys_options(const OptimizeSettings& settings) {
    GatysOptions options;
    options.scales = settings.multi_scale ? std::vector<int>{settings.size / 2, settings.size}
                                          : std::vector<int>{settings.size};
    options.iterations = settings.iterations;
    options.optimizer = settings.adam ? OptimizerKind::Adam : OptimizerKind::Lbfgs;
    options.preserve_colors = settings.preserve_colors;
    if (settings.advanced) {
        options.weights = {settings.content_weight, settings.style_weight, settings.tv_weight};
    } else {
        options.weights.style *= std::pow(10.0, 4.0 * (settings.style_strength - 0.5));
    }
    return options;
}

cv::Mat make_sheet(const cv::Mat& content, const cv::Mat& style, const cv::Mat& result) {
    const int height = result.rows;
    const auto at_height = [&](const cv::Mat& image) {
        cv::Mat resized;
        const int width =
            std::max(1, static_cast<int>(std::lround(image.cols * double(height) / image.rows)));
        cv::resize(image, resized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
        return resized;
    };
    cv::Mat sheet;
    cv::hconcat(std::vector<cv::Mat>{at_height(content), at_height(style), result}, sheet);
    return sheet;
}

OptimizeMode::OptimizeMode(std::string vgg_path, std::string save_dir)
    : vgg_path_(std::move(vgg_path)), save_dir_(std::move(save_dir)), browser_(".") {}

bool OptimizeMode::choose(const std::string& path, bool as_style) {
    try {
        const Picture picture = read_picture(path);
        choose_frame(picture.bgr, as_style);
        (as_style ? style_name_ : content_name_) = std::filesystem::path(path).filename().string();
        message_.clear();
        return true;
    } catch (const Error& error) {
        message_ = error.what();
        return false;
    }
}

void OptimizeMode::choose_frame(const cv::Mat& frame, bool as_style) {
    if (frame.empty()) return;
    (as_style ? style_ : content_) = frame.clone();
    (as_style ? style_texture_ : content_texture_).upload(frame);
    (as_style ? style_name_ : content_name_) = "camera frame";
}

void OptimizeMode::dropped(const std::vector<std::string>& paths) {
    for (const auto& path : paths) choose(path, drop_target_ == 1);
}

void OptimizeMode::start() {
    if (vgg_path_.empty()) {
        message_ = "no VGG19 weights: start with --vgg FILE or set STYLECAM_VGG";
        return;
    }
    try {
        job_.start(content_, style_, gatys_options(settings_), vgg_path_);
        shown_version_ = 0;
        shown_points_ = 0;
        message_.clear();
    } catch (const Error& error) {
        message_ = error.what();
    }
}

bool OptimizeMode::finished() const {
    const auto state = job_.state();
    return state == OptimizationJob::State::Done || state == OptimizationJob::State::Stopped ||
           state == OptimizationJob::State::Failed;
}

std::string OptimizeMode::save(bool sheet) {
    const auto result = job_.result();
    STYLECAM_CHECK(result && !result->image.empty(), "nothing to save yet");
    Picture picture;
    picture.bgr = result->image;
    const std::string path = timestamped_path(save_dir_, "stylecam-optimized", ".png");
    write_picture(path, picture);
    if (sheet) {
        picture.bgr = make_sheet(content_, style_, result->image);
        write_picture(timestamped_path(save_dir_, "stylecam-sheet", ".jpg"), picture);
    }
    return path;
}

void OptimizeMode::refresh_textures() {
    const auto progress = job_.progress();
    if (progress.image_version != shown_version_ && !progress.image.empty()) {
        result_texture_.upload(progress.image);
        shown_version_ = progress.image_version;
    }
    if (progress.history.size() != shown_points_ && !progress.history.empty()) {
        shown_points_ = progress.history.size();
        curve_texture_.upload(plot_loss_history(progress.history, gatys_options(settings_).weights,
                                                "weighted losses", {640, 300}));
    }
}

void OptimizeMode::draw_panel(const cv::Mat& camera_frame) {
    ImGui::TextDisabled("Images (browse, drop files, or the camera)");
    ImGui::RadioButton("set content", &drop_target_, 0);
    ImGui::SameLine();
    ImGui::RadioButton("set style", &drop_target_, 1);
    if (auto chosen = browser_.draw("browser", 120)) choose(*chosen, drop_target_ == 1);
    if (ImGui::Button("Camera frame as content")) choose_frame(camera_frame, false);
    ImGui::SameLine();
    if (ImGui::Button("as style")) choose_frame(camera_frame, true);
    ImGui::Text("content: %s", content_name_.empty() ? "-" : content_name_.c_str());
    ImGui::Text("style:   %s", style_name_.empty() ? "-" : style_name_.c_str());

    ImGui::Separator();
    const bool busy = job_.active();
    if (busy) ImGui::BeginDisabled();
    ImGui::SliderInt("Size", &settings_.size, 64, 1024, "%d px");
    ImGui::SliderInt("Iterations", &settings_.iterations, 1, 1000);
    ImGui::SliderFloat("Style strength", &settings_.style_strength, 0.0f, 1.0f, "%.2f");
    ImGui::Checkbox("Preserve colours", &settings_.preserve_colors);
    ImGui::SameLine();
    ImGui::Checkbox("Multi-scale", &settings_.multi_scale);
    ImGui::Checkbox("Adam (else L-BFGS)", &settings_.adam);
    if (ImGui::CollapsingHeader("Advanced: exact weights")) {
        ImGui::Checkbox("use these weights", &settings_.advanced);
        ImGui::InputDouble("content", &settings_.content_weight, 0, 0, "%.3g");
        ImGui::InputDouble("style", &settings_.style_weight, 0, 0, "%.3g");
        ImGui::InputDouble("tv", &settings_.tv_weight, 0, 0, "%.3g");
    }
    if (busy) ImGui::EndDisabled();

    const auto state = job_.state();
    if (!busy && ImGui::Button("Start")) start();
    if (state == OptimizationJob::State::Running && ImGui::Button("Pause")) job_.pause();
    if (state == OptimizationJob::State::Paused && ImGui::Button("Resume")) job_.resume();
    if (busy) {
        ImGui::SameLine();
        if (ImGui::Button("Stop")) job_.stop();
    }
    if (!busy && job_.result()) {
        ImGui::SameLine();
        if (ImGui::Button("Save")) {
            try {
                message_ = "saved " + save(save_sheet_);
            } catch (const Error& error) {
                message_ = error.what();
            }
        }
        ImGui::SameLine();
        ImGui::Checkbox("+ sheet", &save_sheet_);
    }
    if (state == OptimizationJob::State::Failed)
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", job_.progress().error.c_str());
    if (!message_.empty()) ImGui::TextWrapped("%s", message_.c_str());
}

void OptimizeMode::draw_view(const ViewRect& area) {
    refresh_textures();
    ImGui::SetNextWindowPos(ImVec2(area.x, area.y));
    ImGui::SetNextWindowSize(ImVec2(area.w, area.h));
    ImGui::Begin("##optimize-view", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings);
    const auto progress = job_.progress();
    const IterationReport* last = progress.history.empty() ? nullptr : &progress.history.back();
    const int pass = last ? static_cast<int>(std::count_if(
                                progress.history.begin(), progress.history.end(),
                                [](const IterationReport& r) { return r.iteration == 0; }))
                          : 0;
    double per_iteration = 0;
    int timed = 0;
    for (auto it = progress.history.rbegin(); it != progress.history.rend() && timed < 10; ++it)
        if (it->seconds > 0) per_iteration += it->seconds, ++timed;
    per_iteration = timed ? per_iteration / timed : 0;
    const int remaining = last ? (progress.iterations_per_pass - last->iteration) +
                                     (progress.passes - pass) * progress.iterations_per_pass
                               : 0;
    ImGui::Text("%s  iteration %d/%d  pass %d/%d  %.2f s/it  ETA %s  elapsed %s",
                to_string(progress.state), last ? last->iteration : 0, progress.iterations_per_pass,
                pass, progress.passes, per_iteration,
                job_.active() ? duration_text(remaining * per_iteration).c_str() : "-",
                duration_text(progress.seconds).c_str());
    if (last)
        ImGui::Text("content %.4g  style %.4g  tv %.4g  total %.4g", last->content, last->style,
                    last->tv, last->total);

    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float left_w = area.w * 0.28f, gap = 10;
    const float column_h = (area.y + area.h - origin.y - gap) / 2;
    image_in_box(content_texture_, origin, ImVec2(left_w, column_h - 20),
                 "content: choose an image");
    image_in_box(style_texture_, ImVec2(origin.x, origin.y + column_h + gap),
                 ImVec2(left_w, column_h - 20), "style: choose an image");
    const float right_x = origin.x + left_w + gap, right_w = area.x + area.w - right_x - gap;
    const float result_h = (area.y + area.h - origin.y) * 0.62f;
    image_in_box(result_texture_, ImVec2(right_x, origin.y), ImVec2(right_w, result_h),
                 "result: press Start");
    image_in_box(curve_texture_, ImVec2(right_x, origin.y + result_h + gap),
                 ImVec2(right_w, area.y + area.h - origin.y - result_h - 2 * gap), "");
    ImGui::End();
}

}  // namespace stylecam
