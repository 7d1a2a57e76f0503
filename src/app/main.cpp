/// `stylecam`: one program, one subcommand per job. Errors thrown below surface here as one line
/// on stderr and a non-zero exit code.

#include "app/command.h"
#include "core/cpu_features.h"
#include "core/device.h"
#include "core/error.h"
#include "core/memory.h"

#include <spdlog/spdlog.h>
#include <torch/version.h>
#include <opencv2/core/utils/logger.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    using namespace stylecam;
    // OpenCV's own warnings (e.g. from imread on a bad file) would duplicate our one-line errors.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);

    spdlog::set_pattern("stylecam: %v");

    CLI::App app{"StyleCam: neural style transfer for photos, videos and the camera"};
    app.name("stylecam");
    app.require_subcommand(1);
    app.option_defaults()->always_capture_default();
    app.set_version_flag("--version", [] {
        const auto cuda = cuda_available();
        return std::string("stylecam 0.1.0 (LibTorch ") + TORCH_VERSION + ", CUDA " +
               (cuda ? "available" : "not available") + ")\ncpu: " + describe_cpu(cpu_features()) +
               "\nprecision auto: " + to_string(resolve_precision(Precision::Auto, torch::kCPU)) +
               " on the CPU" + (cuda ? ", fp16 on CUDA" : "") +
               "\nmemory allocator: " + memory_allocator_name();
    });

    std::vector<Command> commands = {
        add_live_command(app),   add_stylize_command(app), add_optimize_command(app),
        add_eval_command(app),   add_distill_command(app), add_train_command(app),
        add_models_command(app), add_import_command(app),  add_launch_command(app)};

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version print their text; a bad option is one line like any error.
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(error);
        std::fprintf(stderr, "stylecam: error: %s (see --help)\n", error.what());
        return kExitError;
    }
    try {
        for (auto& command : commands)
            if (command.app->parsed()) return command.run();
    } catch (const Error& error) {
        std::fprintf(stderr, "stylecam: error: %s\n", error.what());
        return kExitError;
    } catch (const std::exception& error) {  // c10::Error, cv::Exception, std::bad_alloc, ...
        std::fprintf(stderr, "stylecam: error: %s\n", one_line_message(error).c_str());
        return kExitError;
    }
    return kExitError;
}
