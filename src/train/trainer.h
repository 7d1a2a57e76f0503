#pragma once
/// The training loop shared by `stylecam train` (perceptual loss against a style image) and
/// `stylecam distill` (reproduce a teacher model): Adam on a TransformerNet, a loss function
/// given by the caller, checkpoints written atomically every N steps (model, optimizer state,
/// step; data order and augmentation are functions of (seed, step), see TrainingData), exact
/// resume, a CSV log, a loss-curve PNG and a preview image at each checkpoint.
/// Runs on the calling thread; the next batch is prepared on a second thread meanwhile.

#include "core/safetensors.h"
#include "losses/stability.h"
#include "nets/transformer_net.h"

#include <opencv2/core.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace stylecam {

class DistributedGroup;

/// A stability term of one batch (losses/stability.h): the trainer runs the net on
/// `perturbation.input` in the same pass as the clean input and adds
/// weight · stability_loss(clean output, perturbed output) to the total, logged as `name`.
struct StabilityTerm {
    std::string name;
    double weight = 0;
    Perturbation perturbation;
};

/// One batch: `input` B×3×S×S RGB 0..255; `target` the same shape when the loss needs one.
/// In a distributed run, this rank's share of the global batch; the loss function must return
/// means over the items (equal shares make the mean of the ranks' losses the global mean).
struct TrainingBatch {
    torch::Tensor input, target;
    std::vector<StabilityTerm> stability;
};

/// Named loss terms of one batch (scalars, with gradients); "total" is what is minimised.
/// `output` is the net's output for `batch.input` (the stability terms are added by the trainer).
using TrainingLossFn = std::function<std::map<std::string, torch::Tensor>(
    const TrainingBatch&, const torch::Tensor& output)>;

struct TrainerOptions {
    TransformerNetOptions architecture;
    std::string architecture_name = "full";
    int batch = 4;
    int64_t steps = 2000;
    double learning_rate = 1e-3;
    /// The rate follows a half cosine from learning_rate at step 0 to this at the last step
    /// (equal: constant). A function of the step only, so a resumed run follows it exactly.
    double final_learning_rate = 1e-3;
    /// Learning-rate factor of the output layer (deconv3), whose weights map unit-scale features
    /// to 0..255 and must grow much larger than the others.
    double output_lr_scale = 30;
    uint64_t seed = 0;
    /// Where the net, its optimizer state and the batches live (fp32). The loss function must
    /// hold its own tensors (VGG weights, style targets) on the same device. Resume is exact to
    /// 1e-5 on the CPU; CUDA kernels may differ slightly from run to run.
    torch::Device device = torch::kCPU;
    int checkpoint_every = 200;
    std::string output;   ///< the model file; beside it: .ckpt, .csv, .loss.png, .preview.jpg
    bool resume = false;  ///< continue from `output`.ckpt
    /// A model file whose weights the run starts from (empty: random initialisation): the same
    /// architecture, or one with the same pixel shuffle and as many channels or more
    /// (nets/weight_transfer.h). A resumed run takes its weights from the checkpoint instead.
    std::string init_weights;
    Metadata metadata;      ///< written into the model file (style, settings, ...)
    cv::Mat preview_input;  ///< a photo stylized into the preview at each checkpoint (BGR)
    /// Floats per input pixel the loss keeps for the backward pass (e.g. VGG19 features), on top
    /// of the transformer net's own activations: for the memory check before training.
    double loss_floats_per_pixel = 0;
    /// Side of the training crops, for that check (0: no check).
    int memory_check_image_size = 0;
    /// A distributed run (train/distributed.h; null: one process). `batch` is then this rank's
    /// share and `make_batch` must return this rank's slots of the global batch of
    /// batch × world size (every rank the same share size). Gradients are averaged over the
    /// ranks each step, the reported terms are means over the global batch, a stop anywhere
    /// stops every rank after the same step, and only rank 0 writes files; the checkpoint
    /// records the global batch, so a run may resume with another world size of the same
    /// global batch.
    std::shared_ptr<DistributedGroup> group;
};

struct TrainingReport {
    int64_t step = 0;  ///< 1-based: the step just done
    std::map<std::string, double> terms;
    double images_per_second = 0;
};

struct TrainerCallbacks {
    std::function<void(const TrainingReport&)> on_step;
    const std::atomic<bool>* stop = nullptr;  ///< finish the current step, checkpoint, return
    /// One line for the user before the first step (e.g. what a warm start transferred).
    std::function<void(const std::string&)> on_note;
};

struct TrainingResult {
    int64_t first_step = 0;  ///< 0, or the step a resumed run started from
    int64_t last_step = 0;
    std::vector<TrainingReport> history;  ///< this run's steps
    bool stopped = false;
};

/// Rough bytes one training step needs (activations kept for backward, their gradients, the
/// loss network's share) for `options.batch` crops of side `image_size`. Training refuses to
/// start, naming --batch and --image-size, when this exceeds the memory available.
double estimate_step_bytes(const TrainerOptions& options, int image_size);

/// Throws `Error` ("not enough memory: --batch B at --image-size S needs about ...; lower ...")
/// when estimate_step_bytes(options, memory_check_image_size) exceeds 90 % of the memory
/// available (host memory: on CUDA the check is skipped and an out-of-memory step says the same).
/// Training calls it first; callers with costly setup call it before that setup.
void check_step_memory(const TrainerOptions& options);

/// Throws `Error` naming the file when `options.init_weights` (if any) cannot start
/// `options.architecture`: another pixel shuffle, or more channels. Reads the model file.
/// Training calls it; callers with costly setup call it before that setup.
void check_warm_start(const TrainerOptions& options);

/// The learning rate of step `step` (0-based) of `options.steps`.
double learning_rate_at(const TrainerOptions& options, int64_t step);

/// Paths of the files written beside the model.
std::string checkpoint_path(const std::string& output);
std::string log_path(const std::string& output);
std::string loss_curve_path(const std::string& output);
std::string preview_path(const std::string& output);

/// Trains; throws `Error` for invalid options or an unusable checkpoint (never a partial one:
/// checkpoints are written to a temporary file and renamed).
TrainingResult train_transformer_net(const TrainerOptions& options,
                                     const std::function<TrainingBatch(int64_t step)>& make_batch,
                                     const TrainingLossFn& loss,
                                     const TrainerCallbacks& callbacks = {});

}  // namespace stylecam
