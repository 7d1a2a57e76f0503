/// `stylecam train`: a new style from any painting (Johnson et al. 2016) with the VGG19
/// perceptual loss of `optimize` (same features, same loss functions).

#include "app/training_options.h"
#include "core/error.h"
#include "image/picture.h"
#include "losses/style_losses.h"
#include "optimize/gatys_optimizer.h"
#include "stylize/model_registry.h"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace stylecam {
namespace {

struct TrainParams {
    TrainingParams training;
    std::string style, vgg, content_layers, style_layers;
    int style_size = 0;
    double content_weight = 1.0, style_weight = 1e3, tv_weight = 0.0;
};

int run_train(const TrainParams& params) {
    const Picture painting = read_picture(params.style);
    auto setup = prepare_training(params.training);
    const auto folders = model_search_path(params.training.model_folders);
    Vgg19Features vgg(find_vgg_weights(params.vgg, folders));
    vgg->to(setup.trainer.device);
    vgg->set_precision(setup.loss_precision);
    // VGG19 features of the output up to relu3_x, kept for the backward pass: about 600 floats
    // per pixel (64·4 at full size, 128·4 at 1/4, 256·8 at 1/16 of the area).
    setup.trainer.loss_floats_per_pixel = 600;
    check_step_memory(setup.trainer);  // before the style image goes through VGG at that size
    const auto defaults = default_layers(vgg);
    const auto content_layers =
        params.content_layers.empty() ? defaults.content : parse_layer_list(params.content_layers);
    const auto style_layers =
        params.style_layers.empty() ? defaults.style : parse_layer_list(params.style_layers);
    std::vector<std::string> content_names, style_names, all_names;
    std::map<std::string, double> style_weights;
    for (const auto& layer : content_layers) content_names.push_back(layer.layer);
    for (const auto& layer : style_layers) {
        style_names.push_back(layer.layer);
        style_weights[layer.layer] = layer.weight;
    }
    all_names = content_names;
    all_names.insert(all_names.end(), style_names.begin(), style_names.end());
    spdlog::info("VGG19 {}: content {}, style {}", vgg->file(), to_string(content_layers),
                 to_string(style_layers));

    // Style targets once: the painting at --style-size (default: the crop size).
    std::map<std::string, torch::Tensor> style_grams;
    {
        torch::NoGradGuard no_grad;
        const int size = params.style_size > 0 ? params.style_size : params.training.image_size;
        const auto painting_tensor =
            (stack_images({resize_longer_side(painting.bgr, size)}) / 255.0)
                .to(setup.trainer.device);
        for (auto& [name, feature] : vgg->forward(painting_tensor, style_names))
            style_grams[name] = gram_matrix(feature).detach();
    }
    const LossWeights weights{params.content_weight, params.style_weight, params.tv_weight};
    const auto& data = *setup.data;
    const BatchShare share = setup.share;
    const auto make_batch = [&](int64_t step) {
        return TrainingBatch{data.batch(step, share), {}, {}};
    };
    const auto loss = [&](const TrainingBatch& batch, const torch::Tensor& output) {
        const auto x = batch.input / 255.0, y = output / 255.0;
        std::map<std::string, torch::Tensor> content_targets;
        {
            torch::NoGradGuard no_grad;
            content_targets = vgg->forward(x, content_names);
        }
        const auto features = vgg->forward(y, all_names);
        const auto terms =
            combine_losses(content_loss(features, content_targets),
                           style_loss(features, style_grams, style_weights), tv_loss(y), weights);
        return std::map<std::string, torch::Tensor>{{"content", terms.content},
                                                    {"style", terms.style},
                                                    {"tv", terms.tv},
                                                    {"total", terms.total}};
    };
    auto& metadata = setup.trainer.metadata;
    metadata["style"] = std::filesystem::path(params.style).stem().string();
    metadata["style_image"] = std::filesystem::path(params.style).filename().string();
    metadata["source"] = "stylecam train on " + params.training.data;
    metadata["loss"] = "content " + to_string(content_layers) + " x" +
                       std::to_string(params.content_weight) + "; style " +
                       to_string(style_layers) + " x" + std::to_string(params.style_weight) +
                       "; tv x" + std::to_string(params.tv_weight);
    return run_training(setup, make_batch, loss);
}

}  // namespace

Command add_train_command(CLI::App& app) {
    auto params = std::make_shared<TrainParams>();
    CLI::App* command =
        app.add_subcommand("train", "Train a new style from a painting (VGG19 perceptual loss)");
    command->add_option("-s,--style", params->style, "The painting")->required();
    add_training_options(*command, params->training);
    command->add_option("--style-size", params->style_size,
                        "Longer side of the painting for the style targets (0: the crop size); "
                        "sets the stroke scale");
    command->add_option("--vgg", params->vgg,
                        "VGG19 weights (default: $STYLECAM_VGG, then the model folders)");
    command->add_option("--content-layers", params->content_layers, "Comma list, optional :weight");
    command->add_option("--style-layers", params->style_layers, "Comma list, optional :weight");
    command->add_option("--content-weight", params->content_weight, "Weight of the content loss");
    command->add_option("--style-weight", params->style_weight, "Weight of the style loss");
    command->add_option("--tv-weight", params->tv_weight, "Weight of the total-variation loss");
    return {command, [params] { return run_train(*params); }};
}

}  // namespace stylecam
