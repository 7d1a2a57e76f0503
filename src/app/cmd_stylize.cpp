/// `stylecam stylize`: a photo, a folder of photos or a video file through a style.

#include "app/command.h"
#include "app/interrupt.h"
#include "app/progress_bar.h"
#include "app/stream_setup.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/text.h"
#include "stylize/model_registry.h"
#include "stylize/offline_jobs.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

namespace stylecam {
namespace {

struct StylizeParams {
    std::string model;
    std::string input;
    std::string output;
    std::vector<std::string> model_folders;
    ComputeOptions compute;
    double scale = 1.0;
    double strength = 1.0;
    bool preserve_colors = false;
    int64_t max_frames = -1;
    double stabilize = kDefaultStabilizeStrength;  ///< video: temporal stabilizer (0: off)
    bool stabilize_given = false;                  ///< --stabilize on the command line
    double temporal_norm = kDefaultTemporalNorm;   ///< video: carried instance-norm statistics
    std::string stabilize_flow = "fast";
    std::string style_image;  ///< a painting: arbitrary style transfer (MicroAST)
    std::string style_mix;    ///< "a.jpg:0.7,b.jpg:0.3"
    int style_size = 512;
    std::string pipe_out;  ///< video: y4m stream to this file ("-": stdout) instead of -o
};

std::string default_model(const std::vector<ModelFolder>& folders) {
    for (const auto& model : list_models(folders))
        if (model.valid && !model.arbitrary) return model.path;
    STYLECAM_FAIL(
        "no --model given and no model found (looked in --models, $STYLECAM_MODELS and "
        "the project's models/)");
}

int run_stylize(const StylizeParams& params) {
    const auto& interrupted = install_interrupt_handler();
    const auto folders = model_search_path(params.model_folders);
    StylizerOptions options;
    STYLECAM_CHECK(params.style_image.empty() || params.style_mix.empty(),
                   "--style-image and --style-mix: give one of them");
    if (!params.style_image.empty())
        options.painting = PaintingStyle::of(params.style_image, params.style_size);
    if (!params.style_mix.empty())
        options.painting = {parse_style_mix(params.style_mix), params.style_size};
    const bool painting = !options.painting.empty();
    const std::string model_path = painting ? find_microast_weights(params.model, folders)
                                   : params.model.empty() ? default_model(folders)
                                                          : resolve_model(params.model, folders);
    const InputKind kind = classify_input(params.input);
    STYLECAM_CHECK(params.output.empty() != params.pipe_out.empty(),
                   "give -o/--output or --pipe-out (one of them)");
    STYLECAM_CHECK(params.pipe_out.empty() || kind == InputKind::Video,
                   "--pipe-out needs a video "
                   "input (",
                   params.input, " is not one)");
    if (!params.pipe_out.empty()) prepare_pipe_out(params.pipe_out);
    STYLECAM_CHECK(!params.stabilize_given || params.stabilize == 0 || kind == InputKind::Video,
                   "--stabilize needs a video input (", params.input, " is not one)");
    StabilizerOptions stabilize;
    stabilize.strength = kind == InputKind::Video ? params.stabilize : 0.0;
    stabilize.dis_preset = parse_dis_preset(params.stabilize_flow);

    options.network = apply_compute_options(params.compute);
    options.scale = params.scale;
    options.strength = params.strength;
    options.preserve_colors = params.preserve_colors;
    options.temporal_norm = params.temporal_norm;
    validate(options);
    Stylizer stylizer(model_path, options);
    for (const auto& note : stylizer.notes()) spdlog::warn("{}", note);
    spdlog::info("model {} on {}{}", model_path, stylizer.describe(),
                 painting ? ", painting " + options.painting.name() : "");

    const auto start = std::chrono::steady_clock::now();
    const auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    switch (kind) {
        case InputKind::Image: {
            const auto written = stylize_image_file(stylizer, params.input, params.output);
            spdlog::info("wrote {} ({:.2f} s)", written, seconds());
            return kExitOk;
        }
        case InputKind::Folder: {
            ProgressBar bar("stylize", "images");
            const auto result = stylize_folder(
                stylizer, params.input, params.output,
                [&](int64_t done, int64_t total) { bar.update(done, total); }, &interrupted);
            bar.finish();
            for (const auto& failure : result.failures)
                std::fprintf(stderr, "stylecam: error: %s\n", failure.c_str());
            spdlog::info(
                "wrote {} image(s) into {} ({:.1f} s){}", result.written, params.output, seconds(),
                result.failures.empty() ? "" : fmt::format(", {} failed", result.failures.size()));
            if (result.interrupted) return kExitInterrupted;
            return result.failures.empty() ? kExitOk : kExitError;
        }
        case InputKind::Video: {
            ProgressBar bar("stylize", "frames");
            const auto progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
            std::string target = params.output;
            const auto result =
                params.pipe_out.empty()
                    ? stylize_video_file(stylizer, params.input, params.output, progress,
                                         &interrupted, params.max_frames, stabilize)
                    : stylize_video_to_sink(
                          stylizer, params.input,
                          [&](double fps) {
                              auto sink = open_pipe_out(params.pipe_out, fps);
                              target = params.pipe_out == "-" ? "stdout" : params.pipe_out;
                              return sink;
                          },
                          progress, &interrupted, params.max_frames, stabilize);
            bar.finish();
            if (params.stabilize > 0)
                spdlog::info(
                    "stabilized: strength {:.2f}, {} flow, {:.1f} ms per frame, {} scene "
                    "cut(s)",
                    params.stabilize, params.stabilize_flow, result.stabilize_ms,
                    result.stabilize_cuts);
            spdlog::info("wrote {} ({} frames at {:.3g} fps, {:.1f} s, peak memory {}){}", target,
                         result.frames, result.fps, seconds(), human_bytes(peak_resident_bytes()),
                         result.interrupted ? " — interrupted, the file holds the frames so far"
                         : result.reader_closed ? " — stopped: the reader closed the pipe"
                                                : "");
            return result.interrupted ? kExitInterrupted : kExitOk;
        }
    }
    return kExitError;
}

}  // namespace

Command add_stylize_command(CLI::App& app) {
    auto params = std::make_shared<StylizeParams>();
    CLI::App* command =
        app.add_subcommand("stylize", "Stylize a photo, every photo in a folder, or a video file");
    command->add_option("-m,--model", params->model,
                        "Model file (.safetensors or .onnx) or style name (see `stylecam models`); "
                        "default: the first model found");
    command->add_option("-i,--input", params->input, "Photo, folder of photos, or video file")
        ->required();
    command->add_option(
        "-o,--output", params->output,
        "Output photo, folder (for a folder input) or video file (.mp4, .mkv, .avi)");
    command->add_option("--pipe-out", params->pipe_out,
                        "Video input: stream the stylized frames as y4m (YUV4MPEG2, 4:2:0, the "
                        "input's rate) to this file or '-' (stdout; logs go to stderr) instead "
                        "of -o");
    add_models_option(*command, params->model_folders);
    add_compute_options(*command, params->compute);
    command
        ->add_option("--scale", params->scale,
                     "Run the network at this fraction of the input resolution, then resize "
                     "back (speed/quality; also changes the stroke size)")
        ->check(CLI::Range(0.01, 4.0));
    command
        ->add_option("--strength", params->strength,
                     "0..1: blend of the stylized image with the original; with a painting, "
                     "how much of its style in feature space (0: the photo's own style)")
        ->check(CLI::Range(0.0, 1.0));
    add_painting_options(*command, params->style_image, params->style_size);
    command->add_option("--style-mix", params->style_mix,
                        "Several paintings mixed in feature space: a.jpg:0.7,b.jpg:0.3");
    command->add_flag("--preserve-colors", params->preserve_colors,
                      "Keep the input's colours: stylized luminance, original chroma");
    command->add_option("--max-frames", params->max_frames,
                        "Video input: stop after this many frames (-1: all)");
    CLI::Option* stabilize = add_stabilize_option(*command, params->stabilize, " (video inputs)");
    add_temporal_norm_option(*command, params->temporal_norm, " (video inputs)");
    command
        ->add_option("--stabilize-flow", params->stabilize_flow,
                     "The stabilizer's optical flow: ultrafast, fast or medium (slower, better)")
        ->check(CLI::IsMember({"ultrafast", "fast", "medium"}));
    return {command, [params, stabilize] {
                params->stabilize_given = stabilize->count() > 0;
                return run_stylize(*params);
            }};
}

}  // namespace stylecam
