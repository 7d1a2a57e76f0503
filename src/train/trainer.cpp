#include "train/trainer.h"

#include "core/error.h"
#include "core/file_util.h"
#include "core/memory.h"
#include "core/text.h"
#include "core/zip_archive.h"
#include "image/loss_plot.h"
#include "image/picture.h"
#include "image/tensor_image.h"
#include "nets/model_file.h"
#include "nets/weight_transfer.h"
#include "train/distributed.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <new>
#include <sstream>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

int world_size(const TrainerOptions& options) {
    return options.group ? options.group->world_size() : 1;
}

/// What must match between a checkpoint and the run resuming from it (the global batch: any
/// world size that keeps it draws the same batches).
torch::Tensor run_signature(const TrainerOptions& options) {
    const auto signature =
        torch::tensor({options.architecture.channels(), options.architecture.residual_blocks(),
                       options.architecture.outer_kernel(), options.architecture.pixel_shuffle(),
                       static_cast<int64_t>(options.batch) * world_size(options),
                       static_cast<int64_t>(options.seed)});
    // Appended only when set, so that checkpoints of the other architectures still resume.
    if (!options.architecture.separable_residuals()) return signature;
    return torch::cat({signature, torch::tensor({int64_t{1}})});
}

/// Throws `Error` unless every rank runs with the same signature, start step and step count.
void check_ranks_agree(DistributedGroup& group, const TrainerOptions& options, int64_t first_step) {
    const auto mine = torch::cat({run_signature(options),
                                  torch::tensor({first_step, options.steps,
                                                 static_cast<int64_t>(options.checkpoint_every)})})
                          .to(options.device);
    const auto highest = group.max(mine.clone(), /*long_wait=*/true);
    const auto lowest = group.max(-mine, /*long_wait=*/true).neg();
    STYLECAM_CHECK(torch::equal(highest, lowest), "the ", group.world_size(),
                   " ranks were started with different options or checkpoints (architecture, "
                   "batch, seed, steps, checkpoint step); start every rank with the same ones");
}

void save_checkpoint(const std::string& path, TransformerNet& net, torch::optim::Adam& optimizer,
                     int64_t step, const TrainerOptions& options) {
    write_atomically(path, [&](const std::string& tmp) {
        torch::serialize::OutputArchive archive, optimizer_archive, model_archive;
        net->save(model_archive);
        optimizer.save(optimizer_archive);
        archive.write("model", model_archive);
        archive.write("optimizer", optimizer_archive);
        archive.write("step", torch::tensor(step));
        archive.write("signature", run_signature(options));
        archive.save_to(tmp);
    });
}

int64_t load_checkpoint(const std::string& path, TransformerNet& net, torch::optim::Adam& optimizer,
                        const TrainerOptions& options) {
    try {
        // LibTorch's zip reader checks no CRC, and a damaged TorchScript record can crash it
        // (fuzz_training_checkpoint): the archive's layout and every stored entry's CRC are
        // checked with our own reader first (the few deflated code records are left to it).
        try {
            const std::string bytes = read_file_bytes(path);
            const ZipArchive zip(bytes, path, /*allow_deflated=*/true);
            for (const auto& entry : zip.entries())
                if (zip.is_stored(entry.first)) zip.read(entry.first);
        } catch (const Error& error) {
            std::string reason = one_line_message(error);
            if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
            STYLECAM_FAIL(path, ": unreadable checkpoint (", reason, ")");
        }
        torch::serialize::InputArchive archive, optimizer_archive, model_archive;
        archive.load_from(path, options.device);
        torch::Tensor step, signature;
        archive.read("step", step);
        archive.read("signature", signature);
        STYLECAM_CHECK(torch::equal(signature, run_signature(options)), path,
                       ": checkpoint of a different run (architecture, batch or seed differ)");
        archive.read("model", model_archive);
        net->load(model_archive);
        archive.read("optimizer", optimizer_archive);
        optimizer.load(optimizer_archive);
        return step.item<int64_t>();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& error) {
        STYLECAM_FAIL(path, ": unreadable checkpoint (", one_line_message(error), ")");
    }
}

void write_preview(const std::string& path, TransformerNet& net, const cv::Mat& photo,
                   const torch::Device& device) {
    if (photo.empty()) return;
    torch::NoGradGuard no_grad;
    net->eval();
    cv::Mat input = photo;
    const int multiple = static_cast<int>(net->options().size_multiple());
    input =
        input(cv::Rect(0, 0, input.cols / multiple * multiple, input.rows / multiple * multiple));
    const cv::Mat output = tensor_to_image(net->forward(image_to_tensor(input).to(device)));
    net->train();
    Picture picture;
    cv::hconcat(input, output, picture.bgr);
    write_picture(path, picture);
}

void write_curve(const std::string& path, const std::vector<std::string>& names,
                 const std::vector<std::vector<double>>& values) {
    static const cv::Scalar kColors[] = {
        {40, 40, 40}, {0, 0, 200}, {200, 120, 0}, {0, 150, 0}, {150, 0, 150}};
    std::vector<PlotSeries> series;
    for (size_t i = 0; i < names.size(); ++i)
        series.push_back({names[i], values[i], kColors[i % 5]});
    Picture picture;
    picture.bgr = plot_loss_curves(series, "training loss (per step)");
    write_picture(path, picture);
}

}  // namespace

double estimate_step_bytes(const TrainerOptions& options, int image_size) {
    // Floats kept per input pixel by each stage (padding, conv, norm, relu, upsample; the area of
    // a map at 1/k of the resolution is 1/k²), for width c, N blocks, shuffle s.
    const auto& a = options.architecture;
    const double c = static_cast<double>(a.channels()),
                 n = static_cast<double>(a.residual_blocks());
    const double s2 = static_cast<double>(a.pixel_shuffle() * a.pixel_shuffle());
    const double encoder = (3 + 4 * c) + (4 * 2 * c) / 4 + (4 * 4 * c) / 16;
    const double residual = n * 8 * (4 * c) / 16;
    const double decoder = (3 * 4 * c + 2 * 2 * c) / 4 + (3 * 2 * c + 2 * c) + c + 3;
    const double net = (encoder + residual + decoder) / s2 + 6;
    const double floats = 2.0 * (net + options.loss_floats_per_pixel);  // values and gradients
    return floats * 4.0 * options.batch * image_size * image_size;
}

void check_step_memory(const TrainerOptions& options) {
    if (options.memory_check_image_size <= 0 || !options.device.is_cpu()) return;
    const double needed = estimate_step_bytes(options, options.memory_check_image_size);
    const int64_t available = available_memory_bytes();
    STYLECAM_CHECK(available < 0 || needed < 0.9 * static_cast<double>(available),
                   "not enough memory: --batch ", options.batch, " at --image-size ",
                   options.memory_check_image_size, " needs about ", human_bytes(needed),
                   " per step and ", human_bytes(static_cast<double>(available)),
                   " is available; lower --batch or --image-size");
}

namespace {

/// check_warm_start for the --init model's architecture `from`, already read.
void check_warm_start_from(const TrainerOptions& options, const TransformerNetOptions& from) {
    STYLECAM_CHECK(from.channels() <= options.architecture.channels() &&
                       from.pixel_shuffle() == options.architecture.pixel_shuffle(),
                   options.init_weights, ": --init model is ", architecture_spec(from),
                   ", the run trains ", architecture_spec(options.architecture),
                   " (a warm start needs the same pixel shuffle and no fewer channels)");
}

}  // namespace

void check_warm_start(const TrainerOptions& options) {
    if (options.init_weights.empty() || options.resume) return;
    check_warm_start_from(options, load_transformer_net(options.init_weights).net->options());
}

double learning_rate_at(const TrainerOptions& options, int64_t step) {
    const double progress =
        options.steps > 1 ? static_cast<double>(step) / static_cast<double>(options.steps - 1) : 0;
    const double cosine = 0.5 * (1 + std::cos(M_PI * std::clamp(progress, 0.0, 1.0)));
    return options.final_learning_rate +
           (options.learning_rate - options.final_learning_rate) * cosine;
}

std::string checkpoint_path(const std::string& output) { return output + ".ckpt"; }
std::string log_path(const std::string& output) { return output + ".csv"; }
std::string loss_curve_path(const std::string& output) { return output + ".loss.png"; }
std::string preview_path(const std::string& output) { return output + ".preview.jpg"; }

TrainingResult train_transformer_net(const TrainerOptions& options,
                                     const std::function<TrainingBatch(int64_t step)>& make_batch,
                                     const TrainingLossFn& loss,
                                     const TrainerCallbacks& callbacks) {
    STYLECAM_CHECK(options.batch >= 1, "--batch must be ≥ 1, got ", options.batch);
    STYLECAM_CHECK(options.steps >= 1, "--steps must be ≥ 1, got ", options.steps);
    STYLECAM_CHECK(options.learning_rate > 0, "--lr must be positive, got ", options.learning_rate);
    STYLECAM_CHECK(options.checkpoint_every >= 1, "--checkpoint-every must be ≥ 1");
    STYLECAM_CHECK(!options.output.empty(), "--output is required");
    const bool main_rank = !options.group || options.group->is_main();
    const int world = world_size(options);
    if (main_rank) check_parent_writable(options.output);

    check_step_memory(options);

    torch::manual_seed(options.seed);
    TransformerNet net(options.architecture);
    net->to(options.device);
    net->train();
    // The output layer maps unit-scale features to 0..255: its weights must grow ~100× larger
    // than the others', while Adam moves every weight by about lr per step. It starts at
    // mid-grey and learns `output_lr_scale` times faster (same optimum, far fewer steps).
    std::vector<torch::Tensor> body, output_layer;
    for (const auto& item : net->named_parameters()) {
        (item.key().rfind("deconv3.", 0) == 0 ? output_layer : body).push_back(item.value());
        torch::NoGradGuard no_grad;
        if (item.key() == "deconv3.conv2d.bias") item.value().fill_(127.5);
    }
    torch::optim::Adam optimizer(
        {torch::optim::OptimizerParamGroup(body), torch::optim::OptimizerParamGroup(output_layer)},
        torch::optim::AdamOptions(options.learning_rate));

    if (!options.init_weights.empty() && !options.resume) {
        auto init = load_transformer_net(options.init_weights).net;
        check_warm_start_from(options, init->options());
        init->to(options.device);
        const WeightTransfer transfer = transfer_weights(init, net);
        if (architecture_spec(init->options()) != architecture_spec(options.architecture) &&
            callbacks.on_note)
            callbacks.on_note("warm start from " + options.init_weights + " (" +
                              architecture_spec(init->options()) + "): " + transfer.summary());
    }

    TrainingResult result;
    const std::string checkpoint = checkpoint_path(options.output);
    if (options.resume) {
        STYLECAM_CHECK(fs::exists(checkpoint), checkpoint, ": no checkpoint to resume from");
        result.first_step = load_checkpoint(checkpoint, net, optimizer, options);
    }
    if (options.group) check_ranks_agree(*options.group, options, result.first_step);

    // A resumed run keeps the log's rows up to the checkpoint's step (a killed run may have
    // logged a few steps past it) and its curve.
    std::vector<std::string> names;
    std::vector<std::vector<double>> curve;
    std::string kept_log;
    if (result.first_step > 0 && main_rank) {
        std::ifstream old_log(log_path(options.output));
        std::string line;
        while (std::getline(old_log, line)) {
            const bool header = line.rfind("step", 0) == 0;
            if (!header && std::stoll(line.substr(0, line.find(','))) > result.first_step) break;
            kept_log += line + "\n";
            std::stringstream fields(line);
            std::string field;
            std::getline(fields, field, ',');
            for (size_t i = 0; std::getline(fields, field, ','); ++i) {
                if (header) {
                    names.push_back(field);
                    curve.emplace_back();
                } else if (i < curve.size()) {
                    curve[i].push_back(std::stod(field));
                }
            }
        }
    }
    std::ofstream log;
    if (main_rank) {
        log.open(log_path(options.output), std::ios::trunc);
        STYLECAM_CHECK(log, log_path(options.output), ": cannot write the training log");
        log.precision(9);  // enough to compare runs to 1e-7
        log << kept_log;
    }

    auto next = std::async(std::launch::async, make_batch, result.first_step);
    const auto started = Clock::now();
    int64_t step = result.first_step;
    bool agreed_stop = false;  // distributed: some rank was asked to stop during the last step
    const auto checkpoint_now = [&] {
        if (!main_rank) return;
        save_checkpoint(checkpoint, net, optimizer, step, options);
        write_preview(preview_path(options.output), net, options.preview_input, options.device);
        if (!names.empty()) write_curve(loss_curve_path(options.output), names, curve);
    };
    while (step < options.steps) {
        if (options.group ? agreed_stop : callbacks.stop && callbacks.stop->load()) {
            result.stopped = true;
            break;
        }
        TrainingBatch batch = next.get();
        batch.input = batch.input.to(options.device);
        if (batch.target.defined()) batch.target = batch.target.to(options.device);
        for (auto& term : batch.stability) {
            auto& p = term.perturbation;
            p.input = p.input.to(options.device);
            p.mask = p.mask.to(options.device);
            if (p.grid.defined()) p.grid = p.grid.to(options.device);
        }
        if (step + 1 < options.steps) next = std::async(std::launch::async, make_batch, step + 1);
        const double rate = learning_rate_at(options, step);
        static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[0].options()).lr(rate);
        static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[1].options())
            .lr(rate * options.output_lr_scale);
        optimizer.zero_grad();
        std::map<std::string, torch::Tensor> terms;
        try {
            // One pass over the clean crops and every perturbed copy (instance norms are per item).
            std::vector<torch::Tensor> inputs = {batch.input};
            for (const auto& term : batch.stability) inputs.push_back(term.perturbation.input);
            const auto outputs = net->forward(inputs.size() == 1 ? batch.input : torch::cat(inputs))
                                     .chunk(static_cast<int64_t>(inputs.size()));
            terms = loss(batch, outputs[0]);
            // A stability term is normalised by its mask's sum over the global batch: this rank's
            // term is scaled by W·(its mask sum)/(the global sum), so that the ranks' mean is the
            // term of the whole batch.
            torch::Tensor mask_share;
            if (options.group && !batch.stability.empty()) {
                std::vector<torch::Tensor> sums;
                for (const auto& term : batch.stability)
                    sums.push_back(term.perturbation.mask.sum().to(torch::kFloat64));
                const auto local = torch::stack(sums);
                mask_share = local * world / options.group->sum(local.clone()).clamp_min(1);
            }
            for (size_t i = 0; i < batch.stability.size(); ++i) {
                const auto& term = batch.stability[i];
                terms[term.name] = stability_loss(outputs[0], outputs[i + 1], term.perturbation);
                if (mask_share.defined())
                    terms[term.name] =
                        terms[term.name] *
                        mask_share[static_cast<int64_t>(i)].to(torch::kFloat).item<float>();
                terms.at("total") = terms.at("total") + term.weight * terms[term.name];
            }
            terms.at("total").backward();
        } catch (const std::exception& error) {
            STYLECAM_CHECK(!is_out_of_memory(error), "out of memory in a training step (--batch ",
                           options.batch, "); lower --batch or --image-size");
            throw;
        }
        if (options.group) options.group->average_gradients(net->parameters());
        optimizer.step();
        ++step;

        TrainingReport report;
        report.step = step;
        for (const auto& [name, value] : terms) report.terms[name] = value.item<double>();
        if (options.group) {
            // Means over the ranks (the names are sorted alike everywhere), and the stop flag.
            std::vector<double> packed;
            for (const auto& [name, value] : report.terms) packed.push_back(value);
            packed.push_back(callbacks.stop && callbacks.stop->load() ? 1 : 0);
            const auto summed =
                options.group->sum(torch::tensor(packed, torch::kFloat64).to(options.device)).cpu();
            size_t i = 0;
            for (auto& [name, value] : report.terms) value = summed[i++].item<double>() / world;
            agreed_stop = summed[i].item<double>() > 0;
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        report.images_per_second =
            seconds > 0 ? (step - result.first_step) * options.batch * world / seconds : 0;
        if (names.empty() && main_rank) {
            names.push_back("total");
            for (const auto& [name, value] : report.terms)
                if (name != "total") names.push_back(name);
            log << "step";
            for (const auto& name : names) log << ',' << name;
            log << '\n';
            curve.resize(names.size());
        }
        if (main_rank) {
            log << step;
            for (size_t i = 0; i < names.size(); ++i) {
                log << ',' << report.terms[names[i]];
                curve[i].push_back(report.terms[names[i]]);
            }
            log << '\n';
        }
        result.history.push_back(report);
        if (callbacks.on_step) callbacks.on_step(report);
        if (step % options.checkpoint_every == 0 || step == options.steps) checkpoint_now();
    }
    if (result.stopped && step > result.first_step) checkpoint_now();
    if (main_rank) log.flush();
    result.last_step = step;

    if (step == options.steps && main_rank) {
        Metadata metadata = options.metadata;
        metadata["architecture_name"] = options.architecture_name;
        metadata["training_steps"] = std::to_string(options.steps);
        metadata["training_batch"] = std::to_string(options.batch * world);
        if (world > 1) metadata["training_world_size"] = std::to_string(world);
        metadata["training_lr"] = std::to_string(options.learning_rate);
        if (options.final_learning_rate != options.learning_rate)
            metadata["training_lr_end"] = std::to_string(options.final_learning_rate);
        metadata["training_seed"] = std::to_string(options.seed);
        net->eval();
        save_transformer_net(options.output, net, metadata);
    }
    return result;
}

}  // namespace stylecam
