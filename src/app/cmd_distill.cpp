/// `stylecam distill`: train a (small, fast) student to reproduce a teacher model's output: a
/// trained style, or any painting through MicroAST (`--style-image`): a painting baked into a
/// student that runs at a trained style's speed.

#include "app/command.h"
#include "app/training_options.h"
#include "core/device.h"
#include "core/error.h"
#include "losses/distillation_losses.h"
#include "losses/style_losses.h"
#include "nets/vgg19_features.h"
#include "stylize/model_registry.h"
#include "stylize/stylizer.h"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace stylecam {
namespace {

struct DistillParams {
    TrainingParams training;
    std::string teacher, vgg;
    std::string style_image;  ///< a painting: the teacher is MicroAST with this style
    int style_size = 512;
    double pixel_weight = 1.0, feature_weight = 0.0, tv_weight = 0.0;
    double texture_weight = 0.0, lowpass_weight = 0.0, detail_weight = 0.0;
    int lowpass_size = 8, detail_size = 8;
};

int run_distill(const DistillParams& params) {
    const bool painting = !params.style_image.empty();
    STYLECAM_CHECK(painting || !params.teacher.empty(),
                   "--teacher is needed (a model, or with --style-image the MicroAST weights)");
    if (painting)  // before the data is loaded; the teacher reads the painting later
        STYLECAM_CHECK(std::filesystem::is_regular_file(params.style_image), params.style_image,
                       ": file not found");
    TrainingParams training = params.training;
    training.native_scale = true;
    auto setup = prepare_training(training);
    const torch::Device device = setup.trainer.device;
    const auto folders = model_search_path(params.training.model_folders);
    const std::string teacher_path = painting ? find_microast_weights(params.teacher, folders)
                                              : resolve_model(params.teacher, folders);
    StylizerOptions teacher_options;
    teacher_options.network.device = device.is_cuda() ? DeviceKind::Cuda : DeviceKind::Cpu;
    teacher_options.network.precision = Precision::Fp32;
    if (painting)
        teacher_options.painting = PaintingStyle::of(params.style_image, params.style_size);
    Stylizer teacher(teacher_path, teacher_options);
    const auto file_name = [](const std::string& path) {
        return std::filesystem::path(path).filename().string();
    };
    // "candy.safetensors", or "microast.safetensors with starry_night.jpg at 512 px"
    const std::string teacher_name = painting ? file_name(teacher_path) + " with " +
                                                    file_name(params.style_image) + " at " +
                                                    std::to_string(params.style_size) + " px"
                                              : file_name(teacher_path);

    Vgg19Features vgg{nullptr};
    if (params.feature_weight > 0 || params.texture_weight > 0) {
        vgg = Vgg19Features(find_vgg_weights(params.vgg, folders));
        vgg->to(device);
        vgg->set_precision(setup.loss_precision);
    }
    // VGG19 up to relu3_1 keeps about 600 floats per pixel (64·4 at full size, 128·4 at 1/4,
    // 256·2 at 1/16 of the area); relu2_2 alone about 400.
    setup.trainer.loss_floats_per_pixel = params.texture_weight > 0 ? 600 : vgg ? 400 : 12;
    std::vector<std::string> vgg_layers;
    if (params.texture_weight > 0) vgg_layers = texture_layers();
    if (params.feature_weight > 0) vgg_layers.push_back("relu2_2");
    check_step_memory(setup.trainer);  // before the teacher's pass over the data

    // The teacher's output for every picture, once: batches crop the picture and its target alike.
    const auto& data = *setup.data;
    std::vector<cv::Mat> targets;
    spdlog::info("teacher {}: stylizing {} pictures once", painting ? teacher_name : teacher_path,
                 data.size());
    for (int64_t i = 0; i < data.size(); ++i) targets.push_back(teacher.stylize(data.picture(i)));

    const BatchShare share = setup.share;
    const auto make_batch = [&](int64_t step) {
        return TrainingBatch{data.batch(step, share), data.aligned_batch(step, share, targets), {}};
    };
    const auto loss = [&](const TrainingBatch& batch, const torch::Tensor& output) {
        const auto y = output / 255.0, t = batch.target / 255.0;
        std::map<std::string, torch::Tensor> terms;
        terms["pixel"] = torch::mse_loss(y, t);
        auto total = params.pixel_weight * terms["pixel"];
        if (params.lowpass_weight > 0) {
            terms["lowpass"] = lowpass_loss(y, t, params.lowpass_size);
            total = total + params.lowpass_weight * terms["lowpass"];
        }
        if (params.detail_weight > 0) {
            terms["detail"] = detail_loss(y, t, params.detail_size);
            total = total + params.detail_weight * terms["detail"];
        }
        if (vgg) {
            std::map<std::string, torch::Tensor> target_features;
            {
                torch::NoGradGuard no_grad;
                target_features = vgg->forward(t, vgg_layers);
            }
            const auto features = vgg->forward(y, vgg_layers);
            if (params.texture_weight > 0) {
                std::map<std::string, torch::Tensor> targets;
                for (const auto& layer : texture_layers()) targets[layer] = target_features[layer];
                terms["texture"] = texture_distance(features, targets);
                total = total + params.texture_weight * terms["texture"];
            }
            if (params.feature_weight > 0) {
                terms["feature"] =
                    content_loss(features, {{"relu2_2", target_features.at("relu2_2")}});
                total = total + params.feature_weight * terms["feature"];
            }
        }
        if (params.tv_weight > 0) {
            terms["tv"] = tv_loss(y);
            total = total + params.tv_weight * terms["tv"];
        }
        terms["total"] = total;
        return terms;
    };
    setup.trainer.metadata["style"] =
        std::filesystem::path(painting ? params.style_image : teacher_path).stem().string();
    setup.trainer.metadata["teacher"] = teacher_name;
    setup.trainer.metadata["loss"] =
        "pixel x" + std::to_string(params.pixel_weight) + "; lowpass " +
        std::to_string(params.lowpass_size) + "px x" + std::to_string(params.lowpass_weight) +
        "; detail " + std::to_string(params.detail_size) + "px x" +
        std::to_string(params.detail_weight) + "; texture relu1_1,relu2_1,relu3_1 x" +
        std::to_string(params.texture_weight) + "; feature relu2_2 x" +
        std::to_string(params.feature_weight) + "; tv x" + std::to_string(params.tv_weight);
    setup.trainer.metadata["source"] = "stylecam distill of " + teacher_name;
    return run_training(setup, make_batch, loss);
}

}  // namespace

Command add_distill_command(CLI::App& app) {
    auto params = std::make_shared<DistillParams>();
    CLI::App* command =
        app.add_subcommand("distill",
                           "Train a small, fast student to reproduce a teacher model, or any "
                           "painting through MicroAST (--style-image)");
    command->add_option("-t,--teacher", params->teacher,
                        "Teacher model (file or style name); with --style-image, the MicroAST "
                        "weights (found as by stylize when not given)");
    add_painting_options(*command, params->style_image, params->style_size);
    params->training.working_side = 640;
    add_training_options(*command, params->training);
    command->add_option("--pixel-weight", params->pixel_weight,
                        "Weight of the pixel loss (0..1 images; 0: off)");
    command->add_option("--feature-weight", params->feature_weight,
                        "Weight of a VGG19 relu2_2 feature loss (0: off; needs VGG weights)");
    command->add_option("--tv-weight", params->tv_weight, "Weight of the total-variation loss");
    command
        ->add_option("--texture-weight", params->texture_weight,
                     "Weight of the texture loss: relative Gram distance to the teacher's output "
                     "at VGG19 relu1_1, relu2_1, relu3_1 (0: off; needs VGG weights)")
        ->check(CLI::NonNegativeNumber);
    command
        ->add_option("--lowpass-weight", params->lowpass_weight,
                     "Weight of the low-pass pixel loss: MSE of --lowpass-size average-pooled "
                     "images (colours and layout without stroke phase; 0: off)")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--lowpass-size", params->lowpass_size, "Pooling size of the low-pass loss")
        ->check(CLI::Range(1, 64));
    command
        ->add_option("--detail-weight", params->detail_weight,
                     "Weight of the detail loss: local amount of edge and stroke detail (grey "
                     "Laplacian magnitude, --detail-size average-pooled) against the teacher's, "
                     "whatever the strokes' phase (0: off)")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--detail-size", params->detail_size, "Pooling size of the detail loss")
        ->check(CLI::Range(1, 64));
    command->add_option("--vgg", params->vgg,
                        "VGG19 weights (for --texture-weight and --feature-weight)");
    return {command, [params] { return run_distill(*params); }};
}

}  // namespace stylecam
