#include "app/training_options.h"

#include "app/interrupt.h"
#include "app/progress_bar.h"
#include "app/stream_setup.h"
#include "core/device.h"
#include "core/error.h"
#include "image/picture.h"
#include "nets/vgg19_features.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iterator>

namespace stylecam {
namespace {

/// The stability terms (losses/stability.h): the loss term's name (and, after "training_", its
/// metadata key), its option, its perturbation, its weight in the params and in the setup, and
/// its place among each step's 4 seeds (object motion came last and took the one slot left, 0;
/// the others keep theirs, so a run resumed across versions sees the perturbations it would
/// have seen).
struct StabilityTerm {
    const char* name;
    const char* option;
    const char* help;
    Perturbation (*perturb)(const torch::Tensor&, uint64_t);
    double TrainingParams::*param;
    double TrainingSetup::*weight;
    uint64_t seed_slot;
};
const StabilityTerm kStabilityTerms[] = {
    {"noise_stability", "--noise-stability",
     "Weight of the noise-stability term: sparse noise on the input must not change the output "
     "(0: off)",
     noise_perturbation, &TrainingParams::noise_stability, &TrainingSetup::noise_stability, 1},
    {"motion_stability", "--motion-stability",
     "Weight of the motion-stability term: a slightly moved input must give the same output "
     "moved alike (0: off)",
     motion_perturbation, &TrainingParams::motion_stability, &TrainingSetup::motion_stability, 2},
    {"grain_stability", "--grain-stability",
     "Weight of the grain-stability term: dense, faint noise on the input (a camera's and a "
     "codec's) must not change the output (0: off)",
     grain_perturbation, &TrainingParams::grain_stability, &TrainingSetup::grain_stability, 3},
    {"object_stability", "--object-stability",
     "Weight of the object-motion term: a piece of the input sliding over the rest must carry "
     "its output with it and leave the output around it as it was (0: off)",
     object_motion_perturbation, &TrainingParams::object_stability,
     &TrainingSetup::object_stability, 0}};
constexpr uint64_t kSeedsPerStep = 4;
static_assert(std::size(kStabilityTerms) <= kSeedsPerStep, "a seed per term and step");

}  // namespace

void add_training_options(CLI::App& command, TrainingParams& params) {
    command
        .add_option("-d,--data", params.data,
                    "Folder of photos (recursive); video files in it give frames")
        ->required();
    command
        .add_option(
            "-o,--output", params.output,
            "Model file to write (.safetensors); beside it: .ckpt, .csv, .loss.png, .preview.jpg")
        ->required();
    command
        .add_option("--arch", params.arch,
                    std::string("full (the PyTorch examples' network) | fast (") +
                        kFastArchitecture +
                        ") | c<channels>-r<res blocks>-k<outer kernel>-s<pixel shuffle>")
        ->check([](const std::string& spec) {
            try {
                architecture_options(spec);
                return std::string();
            } catch (const Error& error) {
                return std::string(error.what());
            }
        });
    command.add_option("--image-size", params.image_size, "Side of the square training crops")
        ->check(CLI::Range(32, 2048));
    command.add_option("--batch", params.batch, "Batch size")->check(CLI::Range(1, 256));
    auto* steps = command.add_option("--steps", params.steps, "Optimizer steps")
                      ->check(CLI::NonNegativeNumber);
    command
        .add_option("--epochs", params.epochs,
                    "Passes over the data, instead of --steps (steps = epochs × pictures / batch)")
        ->check(CLI::PositiveNumber)
        ->excludes(steps);
    command.add_option("--lr", params.lr, "Adam learning rate")->check(CLI::PositiveNumber);
    command
        .add_option("--lr-end", params.lr_end,
                    "Learning rate at the last step, reached on a cosine (default: constant)")
        ->check(CLI::PositiveNumber);
    command
        .add_option("--working-side", params.working_side,
                    "Longer side pictures are scaled down to before cropping")
        ->check(CLI::Range(32, 8192));
    command
        .add_option("--video-frames", params.video_frames, "Frames sampled from each video file")
        ->check(CLI::Range(1, 100000));
    command
        .add_option("--extra-scales", params.extra_scales,
                    "Also train on every picture scaled down by these factors (e.g. 0.7,0.5)")
        ->delimiter(',')
        ->check(CLI::Range(0.05, 0.99));
    command.add_option("--seed", params.seed, "Seed: initial weights, data order, crops");
    command.add_option("--checkpoint-every", params.checkpoint_every, "Steps between checkpoints")
        ->check(CLI::PositiveNumber);
    command.add_flag("--resume", params.resume, "Continue from OUTPUT.ckpt");
    command.add_option(
        "--preview", params.preview,
        "Photo stylized into OUTPUT.preview.jpg at each checkpoint (default: the first picture)");
    command.add_option("--threads", params.threads, "CPU threads (0: every core)")
        ->check(CLI::NonNegativeNumber);
    add_device_option(command, params.device);
    add_loss_precision_option(command, params.precision);
    add_models_option(command, params.model_folders);
    command
        .add_option("--init", params.init,
                    "Start from this model's weights: all of them for the same --arch (e.g. to "
                    "fine-tune a student); for another architecture every tensor of the same "
                    "name and shape, kernels recentred, new residual blocks as the identity, "
                    "a narrower model's channels as the leading ones")
        ->check(CLI::ExistingFile);
    for (const auto& term : kStabilityTerms)
        command.add_option(term.option, params.*term.param, term.help)
            ->check(CLI::NonNegativeNumber);
    auto& dist = params.distributed;
    const std::string group = "Distributed (default: torchrun's or SLURM's environment)";
    command
        .add_option("--dist-backend", dist.backend,
                    "auto (NCCL on CUDA when built in, else Gloo) | gloo | nccl")
        ->check(CLI::IsMember({"auto", "gloo", "nccl"}))
        ->group(group);
    command
        .add_option("--dist-timeout", dist.timeout_seconds,
                    "Seconds a rank waits for a silent peer before the run stops")
        ->check(CLI::PositiveNumber)
        ->group(group);
    command.add_option("--world-size", dist.world_size, "Number of processes ($WORLD_SIZE)")
        ->check(CLI::PositiveNumber)
        ->group(group);
    command.add_option("--rank", dist.rank, "This process's rank, 0.. ($RANK)")
        ->check(CLI::NonNegativeNumber)
        ->group(group);
    command
        .add_option("--local-rank", dist.local_rank,
                    "Its rank on this machine: its GPU ($LOCAL_RANK)")
        ->check(CLI::NonNegativeNumber)
        ->group(group);
    command.add_option("--master-addr", dist.master_addr, "Host of rank 0 ($MASTER_ADDR)")
        ->group(group);
    command.add_option("--master-port", dist.master_port, "Port of rank 0's store ($MASTER_PORT)")
        ->check(CLI::Range(1, 65535))
        ->group(group);
}

TrainingSetup prepare_training(const TrainingParams& params) {
    STYLECAM_CHECK(params.steps > 0 || params.epochs > 0 || params.steps_may_be_zero,
                   "--steps must be at least 1");
    set_cpu_threads(params.threads);
    TrainingSetup setup;
    const auto distributed = resolve_distributed_options(params.distributed);
    auto& trainer = setup.trainer;
    trainer.device = resolve_device(parse_device(params.device));
    setup.share = {params.batch, 0, params.batch};
    if (is_distributed(distributed)) {
        trainer.device = device_for_rank(trainer.device, distributed);
        if (distributed.rank != 0) {
            spdlog::set_pattern("stylecam[rank " + std::to_string(distributed.rank) + "]: %v");
            spdlog::set_level(spdlog::level::warn);
        }
        // A peer that dies mid-write must be an error naming it (EPIPE from Gloo's socket,
        // "lost rank N"), not this rank's own death by SIGPIPE, which `launch` would then
        // report as the first failure.
        ignore_broken_pipe();
        trainer.group = std::make_shared<DistributedGroup>(distributed, trainer.device);
        setup.share = {params.batch * distributed.world_size, params.batch * distributed.rank,
                       params.batch};
        spdlog::info("rank 0 of {} ({}, store {}:{}): global batch {} = {} × {}",
                     distributed.world_size, trainer.group->backend(), distributed.master_addr,
                     distributed.master_port, setup.share.global, distributed.world_size,
                     params.batch);
    }
    DataOptions data;
    data.image_size = params.image_size;
    data.seed = params.seed;
    data.working_side = params.working_side;
    data.native_scale = params.native_scale;
    data.frames_per_video = params.video_frames;
    data.extra_scales = params.extra_scales;
    data.warn = [](const std::string& message) { spdlog::warn("{}", message); };
    setup.data = std::make_unique<TrainingData>(params.data, data);
    const auto& summary = setup.data->summary();
    spdlog::info("data {}: {} photos, {} video frames, {} scaled copies, {} files skipped{}{}",
                 params.data, summary.images, summary.video_frames, summary.scaled_copies,
                 summary.skipped.size(),
                 summary.skipped.empty() ? "" : " (e.g. " + summary.skipped.front() + ")",
                 summary.streamed ? "; photos are read from disk for each batch (too many to keep "
                                    "in memory)"
                                  : "");
    const Precision precision = parse_precision(params.precision);
    const auto warning = loss_precision_warning(precision, trainer.device);
    if (!warning.empty()) spdlog::warn("{}", warning);
    setup.loss_precision = resolve_loss_precision(precision, trainer.device);
    spdlog::info("training on {}, loss network in {}", describe_device(trainer.device),
                 to_string(setup.loss_precision));
    trainer.architecture = architecture_options(params.arch);
    trainer.architecture_name =
        params.arch == "full" || params.arch == "fast"
            ? params.arch + " (" + architecture_spec(trainer.architecture) + ")"
            : params.arch;
    trainer.batch = params.batch;
    trainer.steps = params.steps;
    if (params.epochs > 0) {
        const int global = setup.share.global;
        trainer.steps = (params.epochs * setup.data->size() + global - 1) / global;
        trainer.metadata["training_epochs"] = std::to_string(params.epochs);
        spdlog::info("{} epoch(s) of {} pictures at batch {}: {} steps", params.epochs,
                     setup.data->size(), global, trainer.steps);
    }
    trainer.memory_check_image_size = params.image_size;
    trainer.learning_rate = params.lr;
    trainer.final_learning_rate = params.lr_end > 0 ? params.lr_end : params.lr;
    trainer.seed = params.seed;
    trainer.checkpoint_every = params.checkpoint_every;
    trainer.output = params.output;
    trainer.resume = params.resume;
    trainer.preview_input =
        params.preview.empty() ? setup.data->picture(0) : read_picture(params.preview).bgr;
    trainer.metadata["training_data"] = params.data;
    trainer.metadata["training_device"] = trainer.device.str();
    trainer.metadata["training_loss_precision"] = to_string(setup.loss_precision);
    trainer.metadata["training_image_size"] = std::to_string(params.image_size);
    trainer.init_weights = params.init;
    if (!params.init.empty())
        trainer.metadata["training_init"] = std::filesystem::path(params.init).filename().string();
    check_warm_start(trainer);  // before the caller's costly setup (distill's teacher pass)
    for (const auto& term : kStabilityTerms) {
        setup.*term.weight = params.*term.param;
        if (setup.*term.weight > 0)
            trainer.metadata[std::string("training_") + term.name] =
                std::to_string(setup.*term.weight);
    }
    return setup;
}

bool is_main_rank(const TrainingSetup& setup) {
    return !setup.trainer.group || setup.trainer.group->is_main();
}

int run_training(const TrainingSetup& setup,
                 const std::function<TrainingBatch(int64_t)>& make_batch,
                 const TrainingLossFn& loss) {
    const auto& interrupted = install_interrupt_handler();
    ProgressBar bar("train", "steps");
    const bool main_rank = is_main_rank(setup);
    TrainerCallbacks callbacks;
    callbacks.stop = &interrupted;
    callbacks.on_note = [&](const std::string& note) {
        if (main_rank) spdlog::info("{}", note);
    };
    callbacks.on_step = [&](const TrainingReport& report) {
        if (!main_rank) return;
        std::string extra;
        for (const auto& [name, value] : report.terms) {
            char text[64];
            std::snprintf(text, sizeof text, "%s %.4g ", name.c_str(), value);
            extra += text;
        }
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.2f img/s", report.images_per_second);
        bar.update(report.step, setup.trainer.steps, extra + rate);
    };
    const uint64_t seed = setup.trainer.seed;
    const auto batch_with_stability = [&](int64_t step) {
        TrainingBatch batch = make_batch(step);
        // A seed per (run seed, step, term, slot in the global batch): the same perturbations
        // after a resume and whatever the number of ranks.
        const uint64_t base =
            seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step) * kSeedsPerStep;
        const auto per_item = [&](auto perturb, uint64_t term) {
            std::vector<Perturbation> items;
            for (int64_t i = 0; i < batch.input.size(0); ++i) {
                const auto slot = static_cast<uint64_t>(setup.share.first + i);
                items.push_back(perturb(batch.input.narrow(0, i, 1),
                                        (base + term) * 0xBF58476D1CE4E5B9ULL + slot));
            }
            Perturbation all;
            std::vector<torch::Tensor> inputs, masks, grids;
            for (const auto& item : items) {
                inputs.push_back(item.input);
                masks.push_back(item.mask);
                if (item.grid.defined()) grids.push_back(item.grid);
            }
            all.input = torch::cat(inputs);
            all.mask = torch::cat(masks);
            if (!grids.empty()) all.grid = torch::cat(grids);
            return all;
        };
        for (const auto& term : kStabilityTerms)
            if (setup.*term.weight > 0)
                batch.stability.push_back(
                    {term.name, setup.*term.weight, per_item(term.perturb, term.seed_slot)});
        return batch;
    };
    const auto result = train_transformer_net(setup.trainer, batch_with_stability, loss, callbacks);
    if (main_rank) bar.finish();
    const auto& output = setup.trainer.output;
    if (result.stopped) {
        spdlog::info("stopped at step {}; resume with --resume (checkpoint {})", result.last_step,
                     checkpoint_path(output));
        return kExitInterrupted;
    }
    spdlog::info("wrote {} after {} steps; log {}, curve {}, preview {}", output, result.last_step,
                 log_path(output), loss_curve_path(output), preview_path(output));
    return kExitOk;
}

}  // namespace stylecam
