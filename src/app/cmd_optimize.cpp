/// `stylecam optimize`: per-image style transfer by optimization (Gatys et al.) with VGG19.

#include "app/command.h"
#include "app/interrupt.h"
#include "app/progress_bar.h"
#include "core/error.h"
#include "core/file_util.h"
#include "core/text.h"
#include "image/picture.h"
#include "optimize/gatys_optimizer.h"
#include "optimize/loss_history_plot.h"
#include "stylize/model_registry.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace stylecam {
namespace {

struct OptimizeParams {
    std::string content, style, output;
    std::string vgg;
    std::vector<std::string> model_folders;
    // Defaults come from GatysOptions: the window's optimization mode uses the same ones.
    int size = GatysOptions{}.scales.back();
    int style_size = GatysOptions{}.style_size;
    std::string scales;
    int iterations = GatysOptions{}.iterations;
    std::string optimizer = "lbfgs";
    double lr = GatysOptions{}.learning_rate;
    std::string content_layers, style_layers;
    double content_weight = GatysOptions{}.weights.content;
    double style_weight = GatysOptions{}.weights.style;
    double tv_weight = GatysOptions{}.weights.tv;
    std::string init = "content";
    uint64_t seed = 0;
    bool preserve_colors = false;
    int save_every = 0;
    std::string report_json;
    std::string loss_curve;
    ComputeOptions compute;
};

std::vector<int> parse_scales(const std::string& text, int size) {
    if (text.empty()) return {size};
    std::vector<int> scales;
    for (const auto& part : split(text, ',')) {
        const double value = parse_number(part, "--scales: '" + part + "' is not a size in pixels");
        STYLECAM_CHECK(value == std::floor(value), "--scales: '", part,
                       "' is not a whole number of pixels");
        scales.push_back(static_cast<int>(value));
    }
    return scales;
}

std::string intermediate_path(const std::string& output, int pass_scale, int iteration) {
    const std::filesystem::path path(output);
    return (path.parent_path() / (path.stem().string() + "_" + std::to_string(pass_scale) + "px_" +
                                  std::to_string(iteration) + path.extension().string()))
        .string();
}

void write_report(const std::string& path, const GatysResult& result, const GatysOptions& options) {
    nlohmann::json report;
    report["iterations"] = nlohmann::json::array();
    for (const auto& entry : result.history)
        report["iterations"].push_back({{"iteration", entry.iteration},
                                        {"scale", entry.scale},
                                        {"content", entry.content},
                                        {"style", entry.style},
                                        {"tv", entry.tv},
                                        {"total", entry.total},
                                        {"seconds", entry.seconds}});
    report["seconds"] = result.seconds;
    report["stopped"] = result.stopped;
    report["content_layers"] = to_string(options.content_layers);
    report["style_layers"] = to_string(options.style_layers);
    report["weights"] = {{"content", options.weights.content},
                         {"style", options.weights.style},
                         {"tv", options.weights.tv}};
    const std::string text = report.dump(2) + "\n";
    write_atomically(path, [&](const std::string& tmp) {
        std::ofstream out(tmp);
        out << text;
        STYLECAM_CHECK(out.good(), path, ": cannot write report");
    });
}

void write_loss_curve(const std::string& path, const GatysResult& result,
                      const GatysOptions& options) {
    Picture picture;
    picture.bgr =
        plot_loss_history(result.history, options.weights, "stylecam optimize: weighted losses");
    write_picture(path, picture);
}

int run_optimize(const OptimizeParams& params) {
    const auto& interrupted = install_interrupt_handler();
    GatysOptions options;
    options.scales = parse_scales(params.scales, params.size);
    options.style_size = params.style_size;
    options.iterations = params.iterations;
    options.optimizer = parse_optimizer(params.optimizer);
    options.learning_rate = params.lr;
    if (!params.content_layers.empty())
        options.content_layers = parse_layer_list(params.content_layers);
    if (!params.style_layers.empty()) options.style_layers = parse_layer_list(params.style_layers);
    options.weights = {params.content_weight, params.style_weight, params.tv_weight};
    options.init = parse_init(params.init);
    options.seed = params.seed;
    options.preserve_colors = params.preserve_colors;
    validate(options);
    STYLECAM_CHECK(has_image_extension(params.output), params.output,
                   ": unknown image format (use .png or .jpg)");
    check_parent_writable(params.output);
    if (!params.report_json.empty()) check_parent_writable(params.report_json);
    if (!params.loss_curve.empty()) check_parent_writable(params.loss_curve);

    const Picture content = read_picture(params.content);
    const Picture style = read_picture(params.style);
    const auto network = apply_compute_options(params.compute, ComputeUse::LossNetwork);
    const torch::Device device = resolve_device(network.device);
    options.precision = network.precision;
    Vgg19Features vgg(find_vgg_weights(params.vgg, model_search_path(params.model_folders)));
    GatysOptimizer optimizer(vgg, options, device);
    const auto& used = optimizer.options();
    spdlog::info("VGG19 {} (up to {}, {}): content {}, style {}; {} at {} px on {}", vgg->file(),
                 vgg->deepest_conv(), to_string(vgg->precision()), to_string(used.content_layers),
                 to_string(used.style_layers), params.optimizer,
                 params.scales.empty() ? std::to_string(params.size) : params.scales,
                 describe_device(device));

    std::unique_ptr<ProgressBar> bar;  // one per pass, so that rates and ETAs are per pass
    int current_scale = used.scales.front();
    GatysCallbacks callbacks;
    callbacks.stop = &interrupted;
    callbacks.on_report = [&](const IterationReport& entry) {
        if (entry.iteration == 0) {
            if (bar) bar->finish();
            bar = std::make_unique<ProgressBar>("optimize " + std::to_string(entry.scale) + "px",
                                                "it");
        }
        current_scale = entry.scale;
        char extra[160];
        std::snprintf(extra, sizeof extra, "content %.4g style %.4g tv %.4g total %.4g  %.2f s/it",
                      entry.content, entry.style, entry.tv, entry.total, entry.seconds);
        bar->update(entry.iteration, used.iterations, extra);
    };
    if (params.save_every > 0) {
        callbacks.image_every = params.save_every;
        callbacks.on_image = [&](int iteration, const cv::Mat& image) {
            Picture picture;
            picture.bgr = image;
            write_picture(intermediate_path(params.output, current_scale, iteration), picture);
        };
    }
    const GatysResult result = optimizer.run(content.bgr, style.bgr, callbacks);
    if (bar) bar->finish();

    if (!result.image.empty()) {
        Picture picture;
        picture.bgr = result.image;
        write_picture(params.output, picture);
    }
    if (!params.report_json.empty()) write_report(params.report_json, result, used);
    if (!params.loss_curve.empty()) write_loss_curve(params.loss_curve, result, used);
    const auto& first = result.history.front();
    const auto& last = result.history.back();
    spdlog::info("wrote {} ({}x{}, {:.1f} s); style loss {:.4g} → {:.4g}, total {:.4g} → {:.4g}{}",
                 params.output, result.image.cols, result.image.rows, result.seconds, first.style,
                 last.style, first.total, last.total,
                 result.stopped ? " — stopped early, best image so far" : "");
    return result.stopped ? kExitInterrupted : kExitOk;
}

}  // namespace

Command add_optimize_command(CLI::App& app) {
    auto params = std::make_shared<OptimizeParams>();
    CLI::App* command = app.add_subcommand(
        "optimize",
        "Style transfer by optimization (Gatys et al.): slow, high quality, any painting");
    command->add_option("-c,--content", params->content, "Content photo")->required();
    command->add_option("-s,--style", params->style, "Style image (a painting)")->required();
    command->add_option("-o,--output", params->output, "Result image (.png, .jpg)")->required();
    command->add_option(
        "--vgg", params->vgg,
        "VGG19 weights (safetensors); default: $STYLECAM_VGG, then vgg19*.safetensors "
        "in the model folders");
    add_models_option(*command, params->model_folders);
    command->add_option("--size", params->size, "Longer side of the result in pixels");
    command->add_option(
        "--style-size", params->style_size,
        "Longer side of the style image (0: same as the result; sets the stroke size)");
    command->add_option(
        "--scales", params->scales,
        "Coarse to fine passes, e.g. 256,512 (each starts from the previous result)");
    command->add_option("--iterations", params->iterations, "Optimizer iterations (per scale)");
    command->add_option("--optimizer", params->optimizer, "lbfgs (strong-Wolfe line search) | adam")
        ->check(CLI::IsMember({"lbfgs", "adam"}));
    command->add_option("--lr", params->lr, "Adam learning rate (the image is in 0..1)");
    command->add_option(
        "--content-layers", params->content_layers,
        "Comma list, optional :weight (default: relu4_2 with a full VGG19, relu2_2 with "
        "weights that stop at conv3_4)");
    command->add_option(
        "--style-layers", params->style_layers,
        "Comma list, optional :weight (default: relu1_1..relu5_1, or relu1_1,relu2_1,relu3_1)");
    command->add_option("--content-weight", params->content_weight, "Weight of the content loss");
    command->add_option("--style-weight", params->style_weight, "Weight of the style loss");
    command->add_option("--tv-weight", params->tv_weight, "Weight of the total-variation loss");
    command->add_option("--init", params->init, "content | noise | style")
        ->check(CLI::IsMember({"content", "noise", "style"}));
    command->add_option("--seed", params->seed, "Random seed (noise init)");
    command->add_flag("--preserve-colors", params->preserve_colors,
                      "Keep the content photo's colours");
    command->add_option("--save-every", params->save_every,
                        "Write the image every N iterations beside the output (0: never)");
    command->add_option("--report-json", params->report_json, "Write the loss history as JSON");
    command->add_option("--loss-curve", params->loss_curve, "Write a PNG plot of the losses");
    add_compute_options(*command, params->compute, ComputeUse::LossNetwork);
    return {command, [params] { return run_optimize(*params); }};
}

}  // namespace stylecam
