#pragma once
/// Options shared by `stylecam train` and `stylecam distill`, and the run around the trainer
/// (data, progress bar, summary): the two commands differ only in their loss.

#include "app/command.h"
#include "train/distributed.h"
#include "train/trainer.h"
#include "train/training_data.h"

#include <memory>
#include <string>

namespace stylecam {

struct TrainingParams {
    std::string data, output, arch = "fast", preview;
    std::vector<std::string> model_folders;
    int image_size = 256, batch = 4, checkpoint_every = 200;
    int64_t steps = 2000;
    int epochs = 0;                ///< > 0: passes over the data, instead of `steps`
    double lr = 1e-3, lr_end = 0;  ///< lr_end 0: constant rate
    int working_side = 512, video_frames = 40;
    std::vector<double> extra_scales;
    bool native_scale = false;       ///< set by distill (see DataOptions)
    bool steps_may_be_zero = false;  ///< set by distill: --steps 0 runs no training
    uint64_t seed = 0;
    bool resume = false;
    int threads = 0;
    std::string device = "auto";     ///< auto | cpu | cuda
    std::string precision = "auto";  ///< of the VGG19 loss network: auto | fp32 | bf16
    std::string init;                ///< start from this model's weights (same architecture)
    /// Weights of the stability terms (losses/stability.h; 0: off).
    double noise_stability = 0, motion_stability = 0, grain_stability = 0, object_stability = 0;
    /// Joining a distributed run (unset fields come from torchrun's or SLURM's environment).
    DistributedOptions distributed;
};

/// --data, --output, --arch, --image-size, --batch, --steps | --epochs, --lr, --seed,
/// --checkpoint-every, --resume, --preview, --threads, --device, --precision, --models, --init,
/// --noise-stability, --motion-stability, --grain-stability, --object-stability, and the
/// distributed options
/// (--dist-backend, --dist-timeout, --rank, --world-size, --local-rank, --master-addr,
/// --master-port).
void add_training_options(CLI::App& command, TrainingParams& params);

/// Joins the process group when the run is distributed (before anything slow, so that the
/// ranks meet early), loads the data (saying how many files were skipped and why) and fills the
/// trainer options. In a distributed run --batch is each rank's share: `share` says which slots
/// of the global batch (--batch × world size) this rank draws; other ranks than 0 log warnings
/// and errors only.
struct TrainingSetup {
    std::unique_ptr<TrainingData> data;
    TrainerOptions trainer;
    BatchShare share;  ///< what make_batch must return: data.batch(step, share)
    double noise_stability = 0, motion_stability = 0, grain_stability = 0, object_stability = 0;
    /// Of the VGG19 loss network (Vgg19FeaturesImpl::set_precision): fp32 or bf16.
    Precision loss_precision = Precision::Fp32;
};
TrainingSetup prepare_training(const TrainingParams& params);

/// Whether this process writes files and talks to the user: one process, or rank 0 of a
/// distributed run.
bool is_main_rank(const TrainingSetup& setup);

/// Runs the trainer with a progress bar (step, loss terms, images/s, ETA); returns the exit code.
/// Adds the stability terms the setup asks for to every batch (their perturbations are functions
/// of the seed, the step and the item's slot in the global batch, so that the ranks' shares
/// together get the perturbations one process would).
int run_training(const TrainingSetup& setup,
                 const std::function<TrainingBatch(int64_t)>& make_batch,
                 const TrainingLossFn& loss);

}  // namespace stylecam
