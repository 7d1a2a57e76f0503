/// `stylecam live`: camera (or clip, image, test pattern) in, original | stylized in a window.

#include "app/command.h"
#include "app/interrupt.h"
#include "app/stream_setup.h"
#include "core/error.h"
#include "core/file_util.h"
#include "gui/live_app.h"
#include "live/headless_run.h"
#include "live/stream_output.h"
#include "stylize/model_registry.h"
#include "video/v4l2_output.h"
#include "video/video_file.h"

#include <spdlog/spdlog.h>
#include <stylecam_build_paths.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

namespace stylecam {
namespace {

struct LiveParams {
    int camera = 0;
    int width = 640, height = 480;
    double fps = 30;
    std::string input;
    bool test_pattern = false;
    std::string style;
    std::vector<std::string> model_folders;
    ComputeOptions compute;
    double scale = 1.0;
    bool auto_scale = true;
    double target_fps = 0;
    double stabilize = kDefaultStabilizeStrength;  ///< temporal stabilizer strength (0: off)
    double temporal_norm = kDefaultTemporalNorm;   ///< carried instance-norm statistics
    double strength = 1.0;
    bool preserve_colors = false;
    std::string record;
    std::string record_dir = ".";
    bool record_side_by_side = false;
    int64_t frames = -1;
    double duration = -1;     ///< quit after this many seconds (-1: no limit)
    std::string soak_report;  ///< write the soak figures here (empty: don't measure)
    double soak_warmup = 30;  ///< memory growth counts from this many seconds on
    std::string screenshot;
    std::string shaders;
    std::string view = "side";
    std::string vgg;
    std::string optimize_content, optimize_style;
    int optimize_iterations = -1, optimize_size = -1;
    bool exit_when_done = false;
    std::string style_image;  ///< start with this painting (MicroAST)
    int style_size = 512;
    std::string microast;  ///< MicroAST weights for paintings
    std::string ui_script;
    bool no_window = false;      ///< run the pipeline headless (no window, no OpenGL)
    std::string pipe_out;        ///< y4m stream to this file ("-": stdout)
    std::string virtual_camera;  ///< V4L2 loopback device, e.g. /dev/video4
};

constexpr const char* kSampleClip = "vtest.avi";

std::string shader_dir(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* env = std::getenv("STYLECAM_SHADERS")) return env;
    return STYLECAM_SHADERS_DIR;
}

ViewMode parse_view(const std::string& view) {
    if (view == "side") return ViewMode::SideBySide;
    if (view == "stylized") return ViewMode::Stylized;
    if (view == "original") return ViewMode::Original;
    if (view == "wipe") return ViewMode::Wipe;
    STYLECAM_FAIL("--view: unknown view '", view, "'");
}

/// Every usable model (first of each name), and the index of the one asked for.
std::vector<StyleEntry> find_styles(const LiveParams& params, int* selected) {
    const auto folders = model_search_path(params.model_folders);
    std::vector<StyleEntry> styles;
    for (const auto& model : list_models(folders))
        if (model.valid && !model.arbitrary && model.origin.find("shadowed") == std::string::npos)
            styles.push_back({model.name, model.path, {}});
    *selected = 0;
    if (!params.style.empty()) {
        const std::string path = resolve_model(params.style, folders);
        const auto found = std::find_if(styles.begin(), styles.end(), [&](const StyleEntry& entry) {
            return entry.path == path;
        });
        if (found == styles.end()) {
            styles.insert(styles.begin(), {std::filesystem::path(path).stem().string(), path, {}});
        } else {
            *selected = static_cast<int>(found - styles.begin());
        }
    }
    STYLECAM_CHECK(!styles.empty(),
                   "no styles found (looked in --models, $STYLECAM_MODELS and the project's "
                   "models/); `stylecam models` shows the search path");
    return styles;
}

/// The source the user asked for; with no --input and no camera, the sample clip.
std::pair<SourceSpec, std::unique_ptr<FrameSource>> open_source(const LiveParams& params) {
    SourceSpec spec;
    spec.size = {params.width, params.height};
    spec.fps = params.fps;
    if (params.test_pattern) {
        spec.kind = SourceSpec::Kind::TestPattern;
    } else if (!params.input.empty()) {
        spec.kind = SourceSpec::Kind::File;
        spec.path = params.input;
    } else {
        spec.kind = SourceSpec::Kind::Camera;
        spec.camera_index = params.camera;
        try {
            auto source = open_frame_source(spec);
            return {spec, std::move(source)};
        } catch (const Error& error) {
            const std::string clip = std::string(STYLECAM_SAMPLE_DATA_DIR) + "/" + kSampleClip;
            STYLECAM_CHECK(std::filesystem::exists(clip), error.what(),
                           " (and the sample clip is missing: install opencv-doc or use --input)");
            spdlog::warn("{}: playing the sample clip {} instead", error.what(), clip);
            spec.kind = SourceSpec::Kind::File;
            spec.path = clip;
        }
    }
    auto source = open_frame_source(spec);
    return {spec, std::move(source)};
}

/// The rate of the streamed outputs: a video file's own, else the requested (camera) or
/// produced (test pattern, still image) rate.
double stream_fps(const LiveParams& params) {
    if (!params.test_pattern && !params.input.empty() && has_video_extension(params.input))
        return VideoReader(params.input).info().fps;
    return params.fps;
}

/// The --pipe-out and --virtual-camera sinks (none: empty), opened before anything slow so that
/// a missing device is reported at once.
std::vector<std::unique_ptr<FrameSink>> open_stream_sinks(const LiveParams& params, double fps) {
    std::vector<std::unique_ptr<FrameSink>> sinks;
    if (!params.virtual_camera.empty()) {
        ignore_broken_pipe();
        sinks.push_back(std::make_unique<V4l2Output>(params.virtual_camera, fps));
    }
    if (!params.pipe_out.empty()) {
        prepare_pipe_out(params.pipe_out);
        sinks.push_back(open_pipe_out(params.pipe_out, fps));
    }
    return sinks;
}

/// The final lines about the streamed outputs; throws when a sink failed.
void report_stream(const LiveStreamOutput& output) {
    for (const auto& sink : output.describe())
        spdlog::info("streamed {} frames to {}", output.frames_written(), sink);
    STYLECAM_CHECK(!output.failed(), output.end_reason());
    if (!output.end_reason().empty()) spdlog::info("stopped: {}", output.end_reason());
}

int finish_headless(const LiveParams& params, LivePipeline& pipeline, LiveStreamOutput* output,
                    const std::atomic<bool>& interrupted) {
    const auto summary = run_headless(pipeline, output, params.frames, interrupted);
    const auto& stats = summary.stats;
    spdlog::info("no window: captured {}, stylized {}, dropped {}", stats.captured, stats.stylized,
                 stats.dropped);
    spdlog::info(
        "at the end: capture {:.1f} fps, inference {:.1f} fps ({:.0f} ms, scale {:.2f}{}), "
        "latency {:.0f} ms",
        summary.running.capture_fps, summary.running.inference_fps, summary.running.inference_ms,
        summary.running.scale, summary.running.auto_scale ? " auto" : "", summary.latency_ms);
    if (!stats.recording_path.empty())
        spdlog::info("recorded {} frames to {}", stats.recorded_frames, stats.recording_path);
    if (output) report_stream(*output);
    STYLECAM_CHECK(stats.recording_error.empty(), "recording failed: ", stats.recording_error);
    return interrupted ? kExitInterrupted : kExitOk;
}

/// Frames in the video file at `path`, counted by decoding it; -1 when it does not open.
int64_t count_video_frames(const std::string& path) {
    try {
        VideoReader reader(path);
        int64_t frames = 0;
        cv::Mat frame;
        while (reader.read(frame)) ++frames;
        return frames;
    } catch (const Error&) {
        return -1;
    }
}

/// --soak-report: the run's figures, with the recording read back, to the file and the log.
void write_soak_report(const std::string& path, SoakReport report) {
    if (!report.recording.empty()) report.recording_frames = count_video_frames(report.recording);
    const std::string text = format_soak_report(report);
    write_atomically(path, [&](const std::string& tmp) {
        std::ofstream file(tmp);
        file << text;
        STYLECAM_CHECK(file.flush().good(), path, ": cannot write the soak report");
    });
    spdlog::info(
        "soak {:.0f} s: memory {:.1f} -> {:.1f} MiB after {:.0f} s warm-up ({:+.2f} %), latency "
        "p50 {:.0f} ms p99 {:.0f} ms, longest stall {:.0f} ms, stylized {}, dropped {}, recording "
        "holds {} of {} frames; report {}",
        report.seconds, static_cast<double>(report.rss_after_warmup) / (1 << 20),
        static_cast<double>(report.rss_end) / (1 << 20), report.warmup_seconds,
        report.rss_growth_percent, report.latency_p50_ms, report.latency_p99_ms,
        report.max_stall_ms, report.stylized, report.dropped, report.recording_frames,
        report.recorded, path);
}

int run_live(const LiveParams& params) {
    const auto& interrupted = install_interrupt_handler();
    STYLECAM_CHECK(!params.no_window || params.screenshot.empty(),
                   "--screenshot needs the window (not with --no-window)");
    STYLECAM_CHECK(!params.no_window || params.optimize_content.empty(),
                   "--optimize-content needs the window (not with --no-window)");
    const double fps = stream_fps(params);
    auto sinks = open_stream_sinks(params, fps);
    LiveSettings settings;
    settings.styles = find_styles(params, &settings.style);
    // MicroAST weights for "Any painting": required with --style-image, optional otherwise.
    std::string microast;
    try {
        microast = find_microast_weights(params.microast, model_search_path(params.model_folders));
    } catch (const Error& error) {
        if (!params.style_image.empty() || !params.microast.empty()) throw;
        spdlog::info("any painting: unavailable ({})", error.what());
    }
    if (!params.style_image.empty()) {
        StyleEntry painting{std::filesystem::path(params.style_image).stem().string(), microast,
                            PaintingStyle::of(params.style_image, params.style_size)};
        settings.styles.insert(settings.styles.begin(), painting);
        settings.style = 0;
    }
    settings.stylizer.network = apply_compute_options(params.compute);
    settings.stylizer.scale = params.scale;
    settings.auto_scale = params.auto_scale;
    settings.target_fps = params.target_fps;
    settings.stabilize = live_stabilizer_options(params.stabilize);
    settings.stylizer.strength = params.strength;
    settings.stylizer.preserve_colors = params.preserve_colors;
    settings.stylizer.temporal_norm = params.temporal_norm;
    validate(settings.stylizer);
    // Load the first style now: a broken model is reported before a window opens.
    const auto& first = settings.styles[static_cast<size_t>(settings.style)];
    StylizerOptions probe_options = settings.stylizer;
    probe_options.painting = first.painting;
    Stylizer probe(first.path, probe_options);
    for (const auto& note : probe.notes()) spdlog::warn("{}", note);
    spdlog::info("style {} on {}", first.name, probe.describe());

    LiveAppOptions app;
    app.shader_dir = shader_dir(params.shaders);
    app.record_dir = params.record_dir;
    app.record_side_by_side = params.record_side_by_side;
    app.frames = params.frames;
    app.duration_s = params.duration;
    STYLECAM_CHECK(params.soak_report.empty() || !params.no_window,
                   "--soak-report needs the window (not with --no-window)");
    STYLECAM_CHECK(params.duration < 0 || !params.no_window,
                   "--duration needs the window (not with --no-window; use --frames)");
    if (!params.soak_report.empty()) {
        check_parent_writable(params.soak_report);
        app.soak_warmup_s = params.soak_warmup;
    }
    app.screenshot = params.screenshot;
    app.view = parse_view(params.view);
    app.stylizer = settings.stylizer;
    app.auto_scale = settings.auto_scale;
    app.stabilize = params.stabilize;
    try {
        app.vgg_path = find_vgg_weights(params.vgg, model_search_path(params.model_folders));
    } catch (const Error& error) {
        if (!params.optimize_content.empty()) throw;  // a scripted optimization needs it now
        spdlog::info("optimization mode unavailable: {}", error.what());
    }
    app.optimize_content = params.optimize_content;
    app.optimize_style = params.optimize_style;
    app.optimize_iterations = params.optimize_iterations;
    app.optimize_size = params.optimize_size;
    app.exit_when_done = params.exit_when_done;
    app.microast_path = microast;
    app.style_size = params.style_size;
    if (!params.style_image.empty())
        app.painting_folder = std::filesystem::path(params.style_image).parent_path().string();
    if (app.painting_folder.empty()) app.painting_folder = ".";
    app.script = parse_ui_script(params.ui_script);
    STYLECAM_CHECK(params.optimize_content.empty() == params.optimize_style.empty(),
                   "--optimize-content and --optimize-style go together");
    app.style = settings.style;
    settings.record_path = params.record;
    settings.record_side_by_side = params.record_side_by_side;
    if (!params.record.empty()) {
        STYLECAM_CHECK(has_video_extension(params.record), params.record,
                       ": unknown video format (use .mp4, .mkv, .avi or .webm)");
        check_parent_writable(params.record);
    }
    if (!app.screenshot.empty()) check_parent_writable(app.screenshot);

    auto [spec, source] = open_source(params);
    settings.source = spec;
    spdlog::info("source {}", source->describe());
    std::unique_ptr<LiveStreamOutput> output;
    if (!sinks.empty()) {
        output = std::make_unique<LiveStreamOutput>(std::move(sinks), fps,
                                                    params.no_window ? params.frames : -1);
        settings.on_stylized = [out = output.get()](const cv::Mat& frame) { out->offer(frame); };
    }
    LivePipeline pipeline(settings, std::move(source));
    if (params.no_window) return finish_headless(params, pipeline, output.get(), interrupted);
    const auto summary = run_live_app(pipeline, app, interrupted);
    if (output) {
        output->stop();
        report_stream(*output);
    }

    const auto& stats = summary.stats;
    spdlog::info("displayed {} frames; captured {}, stylized {}, dropped {} (OpenGL: {})",
                 summary.displayed, stats.captured, stats.stylized, stats.dropped,
                 summary.renderer);
    spdlog::info(
        "at the end: capture {:.1f} fps, inference {:.1f} fps ({:.0f} ms, scale {:.2f}{}), "
        "display {:.1f} fps, latency {:.0f} ms",
        summary.running.capture_fps, summary.running.inference_fps, summary.running.inference_ms,
        summary.running.scale, summary.running.auto_scale ? " auto" : "", summary.display_fps,
        summary.latency_ms);
    if (summary.running.stabilize > 0)
        spdlog::info("stabilize {:.2f}: {:.1f} ms per frame", summary.running.stabilize,
                     summary.running.stabilize_ms);
    if (!stats.recording_path.empty())
        spdlog::info("recorded {} frames to {}", stats.recorded_frames, stats.recording_path);
    if (!params.screenshot.empty()) spdlog::info("screenshot {}", params.screenshot);
    if (!summary.optimization.empty()) spdlog::info("optimization {}", summary.optimization);
    if (summary.soak) write_soak_report(params.soak_report, *summary.soak);
    STYLECAM_CHECK(!summary.optimization_failed, "optimization ", summary.optimization);
    STYLECAM_CHECK(stats.recording_error.empty(), "recording failed: ", stats.recording_error);
    return interrupted ? kExitInterrupted : kExitOk;
}

}  // namespace

Command add_live_command(CLI::App& app) {
    auto params = std::make_shared<LiveParams>();
    CLI::App* command = app.add_subcommand(
        "live", "Camera in, original and stylized side by side in a window; switch styles, record");
    command->add_option("--camera", params->camera, "Camera index (without --input)");
    command->add_option("--width", params->width, "Requested camera width / test pattern width");
    command->add_option("--height", params->height,
                        "Requested camera height / test pattern height");
    command
        ->add_option("--fps", params->fps,
                     "Requested camera rate / rate of still images and the test pattern")
        ->check(CLI::PositiveNumber);
    command->add_option("-i,--input", params->input,
                        "A video file (looped at its own rate) or a still image");
    command->add_flag("--test-pattern", params->test_pattern,
                      "Use a generated moving test pattern");
    command->add_option("-s,--style", params->style, "Style to start with (name or model file)");
    add_models_option(*command, params->model_folders);
    add_compute_options(*command, params->compute);
    command->add_option("--scale", params->scale, "Inference scale (speed/quality)")
        ->check(CLI::Range(0.1, 2.0));
    command->add_flag("--auto-scale,!--no-auto-scale", params->auto_scale,
                      "Lower the inference scale in steps (never above --scale) while the network "
                      "cannot keep the target rate, raise it again when it can (default: on)");
    command
        ->add_option("--target-fps", params->target_fps,
                     "Rate auto scale holds (0: the source's rate, at most 30)")
        ->check(CLI::NonNegativeNumber);
    add_stabilize_option(*command, params->stabilize, "; also a slider in the window");
    add_temporal_norm_option(*command, params->temporal_norm, "");
    command
        ->add_option("--strength", params->strength,
                     "0..1 blend with the original; for a painting, how much of its style in "
                     "feature space")
        ->check(CLI::Range(0.0, 1.0));
    add_painting_options(*command, params->style_image, params->style_size);
    command->add_option("--microast", params->microast,
                        "MicroAST weights for paintings (default: $STYLECAM_MICROAST, then the "
                        "model folders)");
    command->add_option("--ui-script", params->ui_script,
                        "For scripts and tests: UI events by displayed frame, e.g. "
                        "'20:drop=painting.jpg;40:style=0'");
    command->add_flag("--preserve-colors", params->preserve_colors, "Keep the original colours");
    command->add_option("--record", params->record,
                        "Start recording the stylized stream to this file at once");
    command->add_option("--record-dir", params->record_dir,
                        "Folder for recordings (R) and snapshots (S)");
    command->add_flag("--record-side-by-side", params->record_side_by_side,
                      "Record original | stylized instead of the stylized picture alone");
    command->add_option("--frames", params->frames,
                        "Quit after this many displayed frames (-1: run until closed)");
    command->add_option("--duration", params->duration,
                        "Quit after this many seconds (-1: run until closed)");
    command->add_option("--soak-report", params->soak_report,
                        "Measure the run (memory, latency percentiles, stalls, drops, the "
                        "recording read back) and write the figures to this file");
    command
        ->add_option("--soak-warmup", params->soak_warmup,
                     "Seconds before memory growth is counted (with --soak-report)")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--screenshot", params->screenshot,
                        "Write the last displayed window to this PNG");
    command->add_option("--view", params->view, "side | stylized | original | wipe")
        ->check(CLI::IsMember({"side", "stylized", "original", "wipe"}));
    command->add_option(
        "--shaders", params->shaders,
        "Folder with the GLSL shaders (default: $STYLECAM_SHADERS or the project's shaders/)");
    command->add_option(
        "--vgg", params->vgg,
        "VGG19 weights for the Optimize tab (default: $STYLECAM_VGG, then the model folders)");
    command->add_option("--optimize-content", params->optimize_content,
                        "Start an optimization at once with this content image (Optimize tab)");
    command->add_option("--optimize-style", params->optimize_style, "... and this style image");
    command->add_option(
        "--optimize-iterations", params->optimize_iterations,
        "Iterations for that optimization (-1: the default of `stylecam optimize`)");
    command->add_option(
        "--optimize-size", params->optimize_size,
        "Longer side for that optimization (-1: the default of `stylecam optimize`)");
    command->add_flag("--exit-when-done", params->exit_when_done,
                      "Quit when the optimization ends (for scripts, with --screenshot)");
    command->add_flag("--no-window", params->no_window,
                      "Run without a window or OpenGL (streaming, scripts); --frames then counts "
                      "streamed frames (or stylized frames when nothing is streamed)");
    command->add_option("--pipe-out", params->pipe_out,
                        "Stream the stylized video as y4m (YUV4MPEG2, 4:2:0) at the source's rate "
                        "to this file, or '-' for stdout (logs go to stderr), e.g. "
                        "`--pipe-out - | ffmpeg -i - out.mp4`");
    command->add_option("--virtual-camera", params->virtual_camera,
                        "Stream the stylized video to this v4l2loopback device (e.g. /dev/video4) "
                        "as a webcam for Zoom, Meet, OBS");
    return {command, [params] { return run_live(*params); }};
}

}  // namespace stylecam
