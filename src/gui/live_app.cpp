#include "gui/live_app.h"

#include "core/error.h"
#include "core/text.h"
#include "gui/gl_objects.h"
#include "gui/live_panels.h"
#include "gui/optimize_mode.h"
#include "gui/painting_section.h"
#include "gui/video_view.h"
#include "gui/window.h"
#include "image/picture.h"
#include "live/rate_meter.h"
#include "live/status_log.h"
#include "video/recorder.h"

#include <imgui.h>

#include <algorithm>
#include <thread>

namespace stylecam {
namespace {

constexpr float kPanelWidth = 320.0f;
constexpr auto kMinFrameTime = std::chrono::microseconds(1000000 / 60);

LiveUiState initial_state(const LiveAppOptions& options) {
    LiveUiState state;
    state.style = options.style;
    state.strength = static_cast<float>(options.stylizer.strength);
    state.preserve_colors = options.stylizer.preserve_colors;
    state.scale = static_cast<float>(options.stylizer.scale);
    state.auto_scale = options.auto_scale;
    state.stabilize = static_cast<float>(options.stabilize);
    state.temporal_norm = options.stylizer.temporal_norm > 0;
    state.device = static_cast<int>(options.stylizer.network.device);
    state.precision = static_cast<int>(options.stylizer.network.precision);
    state.mode = options.view;
    state.record_side_by_side = options.record_side_by_side;
    return state;
}

/// Turns the user's actions into pipeline commands and window changes.
class ActionHandler {
  public:
    ActionHandler(LivePipeline& pipeline, Window& window, const LiveAppOptions& options)
        : pipeline_(pipeline), window_(window), options_(options) {}

    void handle(const LiveUiActions& actions, LiveUiState& state, const LiveStats& stats,
                const cv::Mat& last_stylized) {
        if (actions.select_style >= 0) {
            state.style = actions.select_style;
            pipeline_.send(LiveCommand::select_style(actions.select_style));
        }
        if (actions.strength_changed) pipeline_.send(LiveCommand::strength(state.strength));
        if (actions.preserve_colors_changed)
            pipeline_.send(LiveCommand::preserve_colors(state.preserve_colors));
        if (actions.scale_changed) pipeline_.send(LiveCommand::scale(state.scale));
        if (actions.auto_scale_changed) pipeline_.send(LiveCommand::auto_scale(state.auto_scale));
        if (actions.stabilize_changed) pipeline_.send(LiveCommand::stabilize(state.stabilize));
        if (actions.temporal_norm_changed) {
            const double on = options_.stylizer.temporal_norm > 0 ? options_.stylizer.temporal_norm
                                                                  : kDefaultTemporalNorm;
            pipeline_.send(LiveCommand::temporal_norm(state.temporal_norm ? on : 0.0));
        }
        if (actions.network_changed)
            pipeline_.send(LiveCommand::set_network(
                {static_cast<DeviceKind>(state.device), static_cast<Precision>(state.precision)}));
        if (actions.toggle_recording) {
            if (stats.recording) {
                pipeline_.send(LiveCommand::stop_recording());
                state.message = "saved " + stats.recording_path;
            } else {
                start_recording(timestamped_path(options_.record_dir, "stylecam", ".mp4"),
                                state.record_side_by_side);
            }
        }
        if (actions.snapshot && !last_stylized.empty()) {
            try {
                const auto path =
                    timestamped_path(options_.record_dir, "stylecam-snapshot", ".png");
                Picture picture;
                picture.bgr = last_stylized;
                write_picture(path, picture);
                state.message = "saved " + path;
            } catch (const Error& error) {
                state.message = error.what();
            }
        }
        if (actions.fullscreen) window_.toggle_fullscreen();
        if (actions.quit) window_.request_close();
    }

    void start_recording(const std::string& path, bool side_by_side) {
        pipeline_.send(LiveCommand::start_recording(path, side_by_side));
    }

  private:
    LivePipeline& pipeline_;
    Window& window_;
    const LiveAppOptions& options_;
};

}  // namespace

std::vector<ScriptedEvent> parse_ui_script(const std::string& text) {
    std::vector<ScriptedEvent> events;
    for (const auto& item : split(text, ';')) {
        const auto colon = item.find(':'), equals = item.find('=');
        STYLECAM_CHECK(colon != std::string::npos && equals != std::string::npos && colon < equals,
                       "--ui-script: '", item, "' is not FRAME:drop=FILE or FRAME:style=INDEX");
        ScriptedEvent event;
        event.frame = static_cast<int64_t>(
            parse_number(item.substr(0, colon), "--ui-script: '" + item + "': bad frame count"));
        const std::string action = item.substr(colon + 1, equals - colon - 1);
        const std::string value = item.substr(equals + 1);
        if (action == "drop") {
            event.kind = ScriptedEvent::Kind::Drop;
            event.path = value;
        } else if (action == "style") {
            event.kind = ScriptedEvent::Kind::Style;
            event.style = static_cast<int>(
                parse_number(value, "--ui-script: '" + item + "': bad style index"));
        } else {
            STYLECAM_FAIL("--ui-script: unknown action '", action, "' (drop or style)");
        }
        events.push_back(event);
    }
    std::stable_sort(
        events.begin(), events.end(),
        [](const ScriptedEvent& a, const ScriptedEvent& b) { return a.frame < b.frame; });
    return events;
}

LiveAppSummary run_live_app(LivePipeline& pipeline, const LiveAppOptions& options,
                            const std::atomic<bool>& interrupted) {
    struct StopOnExit {
        LivePipeline& pipeline;
        ~StopOnExit() { pipeline.stop(); }
    } stop_on_exit{pipeline};

    Window window(options.width, options.height, "StyleCam");
    VideoView view(options.shader_dir);
    GlTexture original, stylized;
    std::vector<GlTexture> thumbnails(pipeline.styles().size());
    PaintingSection paintings(options.microast_path, options.style_size, options.painting_folder);
    size_t next_event = 0;
    bool optimize_tab_shown = false;
    uint64_t thumbnails_version = 0;
    LiveUiState state = initial_state(options);
    ActionHandler handler(pipeline, window, options);

    OptimizeMode optimize(options.vgg_path, options.record_dir);
    bool select_optimize = false;
    if (!options.optimize_content.empty() || !options.optimize_style.empty()) {
        if (options.optimize_iterations > 0)
            optimize.settings().iterations = options.optimize_iterations;
        if (options.optimize_size > 0) optimize.settings().size = options.optimize_size;
        if (optimize.choose(options.optimize_content, false) &&
            optimize.choose(options.optimize_style, true))
            optimize.start();
        select_optimize = true;
    }
    bool live_paused = false;
    int frames_after_done = -1;

    LiveAppSummary summary;
    summary.renderer = window.renderer();
    const auto started = LiveClock::now();
    std::optional<SoakMonitor> soak;
    if (options.soak_warmup_s >= 0)
        soak.emplace(std::chrono::duration_cast<LiveClock::duration>(
                         std::chrono::duration<double>(options.soak_warmup_s)),
                     started);
    LiveStatusLog status_log;
    RateMeter display_rate;
    double latency_ms = 0;
    cv::Mat last_stylized, last_original;
    cv::Mat last_screen;

    while (!window.should_close() && !interrupted) {
        const auto frame_start = LiveClock::now();
        window.begin_frame();

        std::optional<LiveClock::time_point> new_frame_captured;
        if (auto result = pipeline.take_result()) {
            new_frame_captured = result->captured;
            original.upload(result->original);
            stylized.upload(result->stylized);
            last_stylized = result->stylized;
            last_original = result->original;
            const double latency =
                std::chrono::duration<double, std::milli>(LiveClock::now() - result->captured)
                    .count();
            latency_ms = latency_ms == 0 ? latency : 0.8 * latency_ms + 0.2 * latency;
        }
        const auto styles = pipeline.styles();
        if (thumbnails.size() < styles.size()) thumbnails.resize(styles.size());
        uint64_t version = 0;
        auto images = pipeline.thumbnails(&version);
        if (version != thumbnails_version) {
            thumbnails_version = version;
            for (size_t i = 0; i < images.size() && i < thumbnails.size(); ++i)
                if (!images[i].empty()) thumbnails[i].upload(images[i]);
        }

        const LiveStats stats = pipeline.stats();
        state.style = stats.style;
        status_log.update(stats);
        if (soak) soak->poll(stats);
        int fb_width = 0, fb_height = 0;
        window.framebuffer_size(&fb_width, &fb_height);
        const ViewRect area{kPanelWidth, 0, fb_width - kPanelWidth, static_cast<float>(fb_height)};

        auto dropped = window.take_dropped_files();
        int scripted_style = -1;
        for (; next_event < options.script.size() &&
               options.script[next_event].frame <= summary.displayed;
             ++next_event) {
            const auto& event = options.script[next_event];
            if (event.kind == ScriptedEvent::Kind::Drop)
                dropped.push_back(event.path);
            else
                scripted_style = event.style;
        }
        // A dropped image is a painting while the Live tab shows (and MicroAST is there);
        // otherwise it goes to the optimization, as before.
        std::optional<StyleEntry> painting;
        if (!dropped.empty()) {
            if (!optimize_tab_shown) painting = paintings.dropped(dropped);
            if (!painting) {
                optimize.dropped(dropped);
                select_optimize = true;
            }
        }
        LiveUiActions actions = draw_live_panel(
            state, stats, styles, thumbnails, cuda_available(), kPanelWidth,
            static_cast<float>(fb_height), display_rate.rate(), latency_ms,
            [&] { optimize.draw_panel(last_original); }, select_optimize,
            [&] {
                if (auto chosen = paintings.draw(last_original)) painting = std::move(chosen);
            });
        select_optimize = false;
        optimize_tab_shown = actions.optimize_tab;
        if (scripted_style >= 0) actions.select_style = scripted_style;
        if (painting) {
            pipeline.send(LiveCommand::add_style(*painting));
            state.message = "painting " + painting->name + " joins the styles";
        }
        // The optimization and live stylization share the CPU: pause the live network meanwhile.
        if (optimize.busy() != live_paused) {
            live_paused = optimize.busy();
            pipeline.send(LiveCommand::set_paused(live_paused));
        }
        actions.merge(read_shortcuts(static_cast<int>(styles.size())));
        if (actions.optimize_tab) optimize.draw_view(area);
        if (!actions.optimize_tab && state.mode == ViewMode::Wipe && !original.empty())
            draw_wipe_divider(state, layout_views(area, original.size(), ViewMode::Wipe).stylized);
        draw_status_banner(stats, area);
        if (stylized.empty() && !actions.optimize_tab) {
            ImGui::GetForegroundDrawList()->AddText(ImVec2(area.x + 20, area.y + area.h / 2),
                                                    IM_COL32(255, 255, 255, 255),
                                                    "waiting for the first stylized frame...");
        }
        handler.handle(actions, state, stats, last_stylized);

        glViewport(0, 0, fb_width, fb_height);
        glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        if (!actions.optimize_tab)
            view.draw(original, stylized, area, state.mode, state.split, fb_height);
        glViewport(0, 0, fb_width, fb_height);
        window.render_ui();

        if (!options.screenshot.empty()) last_screen = read_framebuffer(fb_width, fb_height);
        if (!stylized.empty()) ++summary.displayed;
        window.swap();
        display_rate.tick();
        if (soak && new_frame_captured) soak->frame_shown(*new_frame_captured, LiveClock::now());
        if (options.frames >= 0 && summary.displayed >= options.frames) break;
        if (options.duration_s >= 0 &&
            std::chrono::duration<double>(LiveClock::now() - started).count() >= options.duration_s)
            break;
        if (options.exit_when_done && optimize.finished() && ++frames_after_done >= 3) break;
        std::this_thread::sleep_until(frame_start + kMinFrameTime);
    }

    // The memory at the end, before the screenshot's encoding and the stop allocate.
    const auto end = LiveClock::now();
    if (soak) soak->poll(pipeline.stats(), end, true);
    if (!options.screenshot.empty() && !last_screen.empty()) {
        Picture picture;
        picture.bgr = last_screen;
        write_picture(options.screenshot, picture);
    }
    if (optimize.finished() || optimize.busy()) {
        optimize.job().stop();
        optimize.job().wait();
        const auto progress = optimize.job().progress();
        summary.optimization_failed = progress.state == OptimizationJob::State::Failed;
        if (summary.optimization_failed) {
            summary.optimization = "failed: " + progress.error;
        } else if (!progress.history.empty()) {
            char text[160];
            std::snprintf(text, sizeof text, "%s: %d iterations, style loss %.4g -> %.4g",
                          to_string(progress.state), progress.history.back().iteration,
                          progress.history.front().style, progress.history.back().style);
            summary.optimization = text;
        }
    } else if (!optimize.message().empty()) {
        summary.optimization = "not started: " + optimize.message();
        summary.optimization_failed = options.exit_when_done;
    }
    summary.display_fps = display_rate.rate();
    summary.latency_ms = latency_ms;
    summary.running = pipeline.stats();
    pipeline.stop();
    summary.stats = pipeline.stats();
    if (soak) summary.soak = soak->report(summary.stats, end);
    return summary;
}

}  // namespace stylecam
