/// `stylecam eval`: how close a model's output is to a reference model's (PSNR, SSIM) over a
/// folder of photos, e.g. a fast student against its teacher.

#include "app/command.h"
#include "core/error.h"
#include "image/metrics.h"
#include "image/picture.h"
#include "stylize/model_registry.h"
#include "stylize/stylizer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

namespace stylecam {
namespace {

struct EvalParams {
    std::string model, reference, input;
    std::vector<std::string> model_folders;
    ComputeOptions compute;
    double scale = 1.0;
};

int run_eval(const EvalParams& params) {
    const auto folders = model_search_path(params.model_folders);
    StylizerOptions options;
    options.network = apply_compute_options(params.compute);
    StylizerOptions model_options = options;
    model_options.scale = params.scale;
    Stylizer model(resolve_model(params.model, folders), model_options);
    Stylizer reference(resolve_model(params.reference, folders), options);

    std::vector<std::filesystem::path> images;
    std::error_code ec;
    if (std::filesystem::is_directory(params.input, ec)) {
        for (const auto& entry : std::filesystem::directory_iterator(params.input, ec))
            if (entry.is_regular_file(ec) && has_image_extension(entry.path().string()))
                images.push_back(entry.path());
    } else {
        images.emplace_back(params.input);
    }
    std::sort(images.begin(), images.end());
    STYLECAM_CHECK(!images.empty(), params.input, ": no images to evaluate");

    std::printf("%-32s %10s %8s %10s\n", "IMAGE", "PSNR dB", "SSIM", "MODEL ms");
    double psnr_sum = 0, ssim_sum = 0, ms_sum = 0;
    for (const auto& path : images) {
        const cv::Mat photo = read_picture(path.string()).bgr;
        const auto start = std::chrono::steady_clock::now();
        const cv::Mat ours = model.stylize(photo);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        const cv::Mat theirs = reference.stylize(photo);
        const double p = std::min(psnr(ours, theirs), 99.0), s = ssim(ours, theirs);
        psnr_sum += p;
        ssim_sum += s;
        ms_sum += ms;
        std::printf("%-32s %10.2f %8.4f %10.1f\n", path.filename().string().c_str(), p, s, ms);
    }
    const double n = static_cast<double>(images.size());
    std::printf("%-32s %10.2f %8.4f %10.1f\n", "MEAN", psnr_sum / n, ssim_sum / n, ms_sum / n);
    return kExitOk;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
    auto params = std::make_shared<EvalParams>();
    CLI::App* command = app.add_subcommand(
        "eval", "PSNR and SSIM of a model's output against a reference model's, over photos");
    command->add_option("-m,--model", params->model, "The model to evaluate (file or style name)")
        ->required();
    command
        ->add_option("-r,--reference", params->reference, "The reference model (e.g. the teacher)")
        ->required();
    command->add_option("-i,--input", params->input, "A photo or a folder of photos")->required();
    command
        ->add_option("--scale", params->scale,
                     "Inference scale for the evaluated model (as in live)")
        ->check(CLI::Range(0.1, 2.0));
    add_models_option(*command, params->model_folders);
    add_compute_options(*command, params->compute);
    return {command, [params] { return run_eval(*params); }};
}

}  // namespace stylecam
