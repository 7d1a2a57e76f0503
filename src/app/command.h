#pragma once
/// The pieces every subcommand shares: how it is registered with CLI11 and run, and the common
/// device/thread/model-folder options.

#include "stylize/style_network.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace stylecam {

/// A registered subcommand: `run` is called when `app` was the one parsed; it returns the exit
/// code and may throw `stylecam::Error` (reported by main as one line, exit code 1).
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

/// Exit codes shared by every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitInterrupted = 130;

struct ComputeOptions {
    std::string device = "auto";
    std::string precision = "auto";
    int threads = 0;
};

/// What --precision applies to: a style network (auto | fp32 | bf16 | fp16) or the VGG19 loss
/// network of `optimize` (auto | fp32 | bf16; see resolve_loss_precision).
enum class ComputeUse { StyleNetwork, LossNetwork };

/// --device, --precision, --threads.
void add_compute_options(CLI::App& command, ComputeOptions& options,
                         ComputeUse use = ComputeUse::StyleNetwork);

/// --precision auto|fp32|bf16 of the VGG19 loss network (optimize, train, distill; see
/// resolve_loss_precision).
void add_loss_precision_option(CLI::App& command, std::string& precision);

/// --device auto|cpu|cuda alone (training: fp32 on the device it names).
void add_device_option(CLI::App& command, std::string& device);

/// --models DIR (repeatable).
void add_models_option(CLI::App& command, std::vector<std::string>& folders);

/// --style-image FILE and --style-size PX: any painting as the style (arbitrary style transfer
/// with MicroAST weights).
void add_painting_options(CLI::App& command, std::string& style_image, int& style_size);

/// --stabilize [S]: the temporal stabilizer's strength 0..1 on videos. `strength` starts at
/// kDefaultStabilizeStrength (on by default; the option alone means it too; 0: off). `where`
/// ends the help text. Returns the option, so that a command can tell an explicit --stabilize
/// (an error for a photo) from the default (ignored for a photo).
CLI::Option* add_stabilize_option(CLI::App& command, double& strength, const std::string& where);

/// `--temporal-norm S` (0..0.99, default kDefaultTemporalNorm): on videos, the share of the
/// previous frame's instance-norm statistics each frame keeps (nets/norm_timeline.h); `where`
/// is appended to the help.
void add_temporal_norm_option(CLI::App& command, double& smoothing, const std::string& where);

/// Applies --threads and returns the network options for --device/--precision (warning once
/// when the precision asked for is not what runs).
NetworkOptions apply_compute_options(const ComputeOptions& options,
                                     ComputeUse use = ComputeUse::StyleNetwork);

Command add_stylize_command(CLI::App& app);
Command add_models_command(CLI::App& app);
Command add_live_command(CLI::App& app);
Command add_optimize_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_distill_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_import_command(CLI::App& app);
Command add_launch_command(CLI::App& app);

}  // namespace stylecam
