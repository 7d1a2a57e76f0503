#include "app/command.h"

#include "nets/norm_timeline.h"

#include "core/cpu_features.h"
#include "image/temporal_stabilizer.h"
#include "nets/vgg19_features.h"
#include "stylize/style_network.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

namespace stylecam {

void add_device_option(CLI::App& command, std::string& device) {
    command.add_option("--device", device, "auto | cpu | cuda (auto: CUDA when available)")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
}

void add_loss_precision_option(CLI::App& command, std::string& precision) {
    command
        .add_option("--precision", precision,
                    "auto | fp32 | bf16: of the VGG19 loss network (auto: bf16 where the CPU "
                    "computes it natively, else fp32; the losses, the image and trained weights "
                    "stay fp32)")
        ->check(CLI::IsMember({"auto", "fp32", "bf16"}));
}

void add_compute_options(CLI::App& command, ComputeOptions& options, ComputeUse use) {
    add_device_option(command, options.device);
    if (use == ComputeUse::LossNetwork)
        add_loss_precision_option(command, options.precision);
    else
        command
            .add_option("--precision", options.precision,
                        "auto | fp32 | bf16 | fp16 (auto: fp16 on CUDA; on the CPU bf16 where the "
                        "CPU computes it natively, else fp32; see `stylecam --version`)")
            ->check(CLI::IsMember({"auto", "fp32", "bf16", "fp16"}));
    command.add_option("--threads", options.threads, "CPU threads for LibTorch (0: every core)")
        ->check(CLI::NonNegativeNumber);
}

void add_models_option(CLI::App& command, std::vector<std::string>& folders) {
    command.add_option("--models", folders,
                       "Folder of models to search first (repeatable); then $STYLECAM_MODELS "
                       "(colon-separated), then the project's models/");
}

void add_painting_options(CLI::App& command, std::string& style_image, int& style_size) {
    command.add_option("--style-image", style_image,
                       "Any painting as the style (arbitrary style transfer with MicroAST "
                       "weights: --model/--microast, $STYLECAM_MICROAST or a models folder)");
    command
        .add_option("--style-size", style_size,
                    "The painting's shorter side in pixels before encoding: sets the stroke "
                    "scale (0: as it is)")
        ->check(CLI::Range(0, 4096));
}

CLI::Option* add_stabilize_option(CLI::App& command, double& strength, const std::string& where) {
    strength = kDefaultStabilizeStrength;
    const auto strength_text = fmt::format("{:g}", kDefaultStabilizeStrength);
    return command
        .add_option("--stabilize", strength,
                    "Flow-guided temporal stabilization against flicker, strength 0..1 "
                    "(default " +
                        strength_text + ", measured as the best default; 0: off)" + where)
        ->expected(0, 1)
        ->default_str(strength_text)
        ->check(CLI::Range(0.0, 1.0));
}

void add_temporal_norm_option(CLI::App& command, double& smoothing, const std::string& where) {
    command
        .add_option("--temporal-norm", smoothing,
                    "Steadier video: each frame's instance norms keep this share of the previous "
                    "frame's statistics, 0..0.99 (0: every frame on its own; scene cuts start "
                    "afresh)" +
                        where)
        ->capture_default_str()
        ->check(CLI::Range(0.0, 0.99));
}

NetworkOptions apply_compute_options(const ComputeOptions& options, ComputeUse use) {
    set_cpu_threads(options.threads);
    NetworkOptions network;
    network.device = parse_device(options.device);
    network.precision = parse_precision(options.precision);
    spdlog::info("cpu: {}", describe_cpu(cpu_features()));
    if (network.precision == Precision::Bf16) {
        const auto device = resolve_device(network.device);
        const auto warning = use == ComputeUse::LossNetwork
                                 ? loss_precision_warning(network.precision, device)
                                 : precision_warning(network.precision, device);
        if (!warning.empty()) spdlog::warn("{}", warning);
    }
    return network;
}

}  // namespace stylecam
