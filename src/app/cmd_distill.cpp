/// `stylecam distill`: train a (small, fast) student to reproduce a teacher model's output: a
/// trained style, or any painting through MicroAST (`--style-image`): a painting baked into a
/// student that runs at a trained style's speed.

#include "app/command.h"
#include "app/progress_bar.h"
#include "app/training_options.h"
#include "core/device.h"
#include "core/error.h"
#include "core/text.h"
#include "losses/distillation_losses.h"
#include "losses/style_losses.h"
#include "nets/model_file.h"
#include "nets/output_colour_shift.h"
#include "nets/vgg19_features.h"
#include "stylize/model_registry.h"
#include "stylize/stylizer.h"
#include "train/mean_colour_match.h"

#include <spdlog/spdlog.h>

#include <array>
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
    /// At the end, shift the output by its mean colour difference to the teacher's.
    bool match_mean_colour = false;
};

/// Shifts the student in `path` by the mean colour difference to the teacher's outputs over the
/// whole training pictures (train/mean_colour_match.h), writes it to `output` and says by how much.
/// Two rounds: the second takes up what clamping to 0..255 left of the first.
void match_mean_colour(const std::string& path, const std::string& output, const TrainingData& data,
                       const std::vector<cv::Mat>& targets, torch::Device device) {
    auto loaded = load_transformer_net(path);
    // A model matched before (e.g. --init of a matched student) keeps the sum of its shifts;
    // read first, so that a malformed value stops before the passes over the pictures.
    std::array<double, 3> recorded{0, 0, 0};
    if (const auto previous = loaded.metadata.find("mean_colour_shift");
        previous != loaded.metadata.end()) {
        const auto parts = split(previous->second, ',');
        const std::string what = path + ": metadata mean_colour_shift '" + previous->second +
                                 "' is not three numbers (R,G,B)";
        STYLECAM_CHECK(parts.size() == 3, what);
        for (int c = 0; c < 3; ++c) recorded[c] = parse_number(parts[c], what);
    }
    loaded.net->to(device);
    std::vector<cv::Mat> pictures;
    for (int64_t i = 0; i < data.size(); ++i) pictures.push_back(data.picture(i));
    std::array<double, 3> total{0, 0, 0};
    for (int round = 0; round < 2; ++round) {
        ProgressBar bar("colour", "pictures");
        const auto offset =
            mean_colour_offset(loaded.net, pictures, targets, device,
                               [&](int done, int count) { bar.update(done, count, ""); });
        bar.finish();
        shift_output_colour(loaded.net, offset);
        for (int c = 0; c < 3; ++c) total[c] += offset[c];
        spdlog::info(
            "mean colour {}: the teacher's minus the student's output R {:+.2f} G {:+.2f} "
            "B {:+.2f} (0..255), folded into deconv3's bias",
            round == 0 ? "match" : "residue", offset[0], offset[1], offset[2]);
    }
    for (int c = 0; c < 3; ++c) recorded[c] += total[c];
    loaded.metadata["mean_colour_shift"] =
        fmt::format("{:.4f},{:.4f},{:.4f}", recorded[0], recorded[1], recorded[2]);
    loaded.net->to(torch::kCPU);
    save_transformer_net(output, loaded.net, loaded.metadata);
    spdlog::info("wrote {}: output shifted by R {:+.2f} G {:+.2f} B {:+.2f}", output, total[0],
                 total[1], total[2]);
}

int run_distill(const DistillParams& params) {
    const bool painting = !params.style_image.empty();
    STYLECAM_CHECK(painting || !params.teacher.empty(),
                   "--teacher is needed (a model, or with --style-image the MicroAST weights)");
    if (painting)  // before the data is loaded; the teacher reads the painting later
        STYLECAM_CHECK(std::filesystem::is_regular_file(params.style_image), params.style_image,
                       ": file not found");
    TrainingParams training = params.training;
    training.native_scale = true;
    training.steps_may_be_zero = params.match_mean_colour;
    if (training.steps == 0 && params.match_mean_colour)
        STYLECAM_CHECK(!training.init.empty(),
                       "--steps 0 (no training: only --match-mean-colour) needs --init MODEL");
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

    Vgg19Features vgg{nullptr};  // not for --steps 0: nothing trains
    if (setup.trainer.steps > 0 && (params.feature_weight > 0 || params.texture_weight > 0)) {
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
    const bool main_rank = is_main_rank(setup);
    {
        ProgressBar bar("teacher", "pictures");
        for (int64_t i = 0; i < data.size(); ++i) {
            targets.push_back(teacher.stylize(data.picture(i)));
            if (main_rank) bar.update(i + 1, data.size());
        }
        if (main_rank) bar.finish();
    }

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
    if (setup.trainer.steps == 0) {
        match_mean_colour(training.init, training.output, data, targets, device);
        return kExitOk;
    }
    const int code = run_training(setup, make_batch, loss);
    if (code == kExitOk && params.match_mean_colour && main_rank)
        match_mean_colour(training.output, training.output, data, targets, device);
    return code;
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
    command->add_flag(
        "--match-mean-colour", params->match_mean_colour,
        "At the end, shift the student's output colour by its mean difference to the teacher's "
        "over the whole training pictures (an exact change of the last layer's bias; with "
        "--steps 0 and --init, only that, no training)");
    command->add_option("--vgg", params->vgg,
                        "VGG19 weights (for --texture-weight and --feature-weight)");
    return {command, [params] { return run_distill(*params); }};
}

}  // namespace stylecam
