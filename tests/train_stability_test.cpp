/// The stability terms in training (losses/stability.h through the trainer) and --init.

#include "core/error.h"
#include "image/tensor_image.h"
#include "losses/stability.h"
#include "nets/model_file.h"
#include "test_support.h"
#include "train/trainer.h"
#include "train/training_data.h"

#include <filesystem>

namespace stylecam {
namespace {

using testing::TempDir;

/// A tiny student trained to copy a tiny, jittery teacher (strong output layer), with or without
/// the stability terms; perturbations as `stylecam train`/`distill` make them.
class StabilityTraining : public ::testing::Test {
  protected:
    void SetUp() override {
        torch::manual_seed(11);
        teacher_ = TransformerNet(architecture());
        torch::NoGradGuard no_grad;
        for (auto& item : teacher_->named_parameters())
            if (item.key() == "deconv3.conv2d.weight") item.value().normal_(0, 8);
        std::vector<cv::Mat> pictures;
        for (int i = 0; i < 4; ++i) pictures.push_back(testing::smooth_noise(48, 48, 300 + i));
        DataOptions options;
        options.image_size = 48;
        options.native_scale = true;
        options.seed = 5;
        data_ = std::make_unique<TrainingData>(pictures, options);
    }
    static TransformerNetOptions architecture() {
        return TransformerNetOptions().channels(4).residual_blocks(1).outer_kernel(3);
    }
    TrainerOptions options(const std::string& name, int64_t steps) const {
        TrainerOptions options;
        options.architecture = architecture();
        options.batch = 2;
        options.steps = steps;
        options.learning_rate = 5e-3;
        options.seed = 2;
        options.checkpoint_every = 4;
        options.output = dir_.path(name);
        return options;
    }
    /// Which stability terms a run trains with and a flicker measurement perturbs by.
    enum class Terms { NoiseAndMotion, Grain, ObjectMotion };
    /// Batches with the teacher's output as target and, with weight > 0, the stability terms.
    TrainingResult run(const TrainerOptions& options, double weight,
                       const TrainerCallbacks& callbacks = {},
                       Terms which = Terms::NoiseAndMotion) {
        const auto make_batch = [&, weight, which](int64_t step) {
            TrainingBatch batch;
            batch.input = data_->batch(step, 2);
            torch::NoGradGuard no_grad;
            batch.target = teacher_->forward(batch.input);
            if (weight > 0 && which == Terms::Grain) {
                batch.stability.push_back(
                    {"grain_stability", weight, grain_perturbation(batch.input, 3000 + step)});
            } else if (weight > 0 && which == Terms::ObjectMotion) {
                batch.stability.push_back({"object_stability", weight,
                                           object_motion_perturbation(batch.input, 4000 + step)});
            } else if (weight > 0) {
                batch.stability.push_back(
                    {"noise_stability", weight, noise_perturbation(batch.input, 1000 + step)});
                batch.stability.push_back(
                    {"motion_stability", weight, motion_perturbation(batch.input, 2000 + step)});
            }
            return batch;
        };
        const auto loss = [](const TrainingBatch& batch, const torch::Tensor& output) {
            auto pixel = torch::mse_loss(output / 255.0, batch.target / 255.0);
            return std::map<std::string, torch::Tensor>{{"pixel", pixel}, {"total", pixel}};
        };
        return train_transformer_net(options, make_batch, loss, callbacks);
    }
    /// Mean stability loss of a trained model on fresh perturbations of fresh pictures, by the
    /// perturbations of `which`.
    double flicker(const std::string& name, Terms which = Terms::NoiseAndMotion) const {
        auto net = load_transformer_net(dir_.path(name)).net;
        torch::NoGradGuard no_grad;
        double sum = 0;
        for (int i = 0; i < 4; ++i) {
            const auto input = image_to_tensor(testing::smooth_noise(48, 48, 900 + i));
            const auto clean = net->forward(input);
            const auto add = [&](const Perturbation& perturbed) {
                sum +=
                    stability_loss(clean, net->forward(perturbed.input), perturbed).item<double>();
            };
            if (which == Terms::Grain) {
                add(grain_perturbation(input, 99 + i));
            } else if (which == Terms::ObjectMotion) {
                add(object_motion_perturbation(input, 111 + i));
            } else {
                add(motion_perturbation(input, 77 + i));
                add(noise_perturbation(input, 88 + i));
            }
        }
        return sum / 4;
    }
    /// A run with the single term `which` (logged as `term`, without the noise and motion terms)
    /// lowers the flicker its perturbation measures below 0.7 of a run without it.
    void expect_term_lowers_its_flicker(Terms which, const std::string& term) {
        const auto plain = run(options("plain.safetensors", 60), 0);
        const auto steady = run(options(term + ".safetensors", 60), 20, {}, which);
        ASSERT_EQ(steady.history.back().terms.count(term), 1u);
        EXPECT_EQ(steady.history.back().terms.count("noise_stability"), 0u);
        EXPECT_EQ(steady.history.back().terms.count("motion_stability"), 0u);
        const double before = flicker("plain.safetensors", which),
                     after = flicker(term + ".safetensors", which);
        EXPECT_LT(after, 0.7 * before)
            << term << " flicker without the term " << before << ", with " << after;
    }
    TempDir dir_;
    TransformerNet teacher_{nullptr};
    std::unique_ptr<TrainingData> data_;
};

TEST_F(StabilityTraining, TheTermsAreLoggedAndLowerTheFlickerOfATinyNet) {
    const auto plain = run(options("plain.safetensors", 60), 0);
    const auto steady = run(options("steady.safetensors", 60), 20);
    EXPECT_EQ(plain.history.back().terms.count("motion_stability"), 0u);
    ASSERT_EQ(steady.history.back().terms.count("motion_stability"), 1u);
    ASSERT_EQ(steady.history.back().terms.count("noise_stability"), 1u);
    // total = pixel + weight · (noise + motion)
    const auto& terms = steady.history.back().terms;
    EXPECT_NEAR(
        terms.at("total"),
        terms.at("pixel") + 20 * (terms.at("noise_stability") + terms.at("motion_stability")),
        1e-4 * terms.at("total"));
    const double before = flicker("plain.safetensors"), after = flicker("steady.safetensors");
    EXPECT_LT(after, 0.7 * before) << "flicker without the terms " << before << ", with " << after;
}

TEST_F(StabilityTraining, TheGrainTermLowersTheGrainFlickerOfATinyNet) {
    expect_term_lowers_its_flicker(Terms::Grain, "grain_stability");
}

TEST_F(StabilityTraining, TheObjectMotionTermLowersTheFlickerOfAPieceMovingOverTheRest) {
    expect_term_lowers_its_flicker(Terms::ObjectMotion, "object_stability");
}

TEST_F(StabilityTraining, ResumeWithStabilityTermsEqualsTheUninterruptedRun) {
    const auto whole = run(options("whole.safetensors", 8), 5);
    std::atomic<bool> stop{false};
    TrainerCallbacks callbacks;
    callbacks.stop = &stop;
    callbacks.on_step = [&](const TrainingReport& report) { stop = report.step == 4; };
    run(options("parts.safetensors", 8), 5, callbacks);
    auto resumed = options("parts.safetensors", 8);
    resumed.resume = true;
    const auto second = run(resumed, 5);
    ASSERT_EQ(second.history.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
        const double expected = whole.history[4 + i].terms.at("total");
        EXPECT_NEAR(second.history[i].terms.at("total"), expected, 1e-5 * expected) << i;
    }
}

TEST_F(StabilityTraining,
       InitStartsFromAModelsWeightsOfAnotherArchitectureOrWidthButNotANarrowerOne) {
    run(options("first.safetensors", 20), 0);
    // One step at a negligible rate from --init stays where the model was.
    auto again = options("again.safetensors", 1);
    again.init_weights = dir_.path("first.safetensors");
    again.learning_rate = 1e-12;
    run(again, 0);
    // Another architecture of the same width: a warm start, and the user is told what moved.
    auto separable = options("separable.safetensors", 1);
    separable.architecture = architecture_options("c4-r2-k5-s1-dw");
    separable.init_weights = dir_.path("first.safetensors");
    std::string note;
    TrainerCallbacks callbacks;
    callbacks.on_note = [&](const std::string& line) { note += line; };
    run(separable, 0, callbacks);
    EXPECT_NE(note.find("warm start from "), std::string::npos) << note;
    EXPECT_NE(note.find("(c4-r1-k3-s1): "), std::string::npos) << note;
    EXPECT_NE(note.find("2 kernels recentred"), std::string::npos) << note;
    EXPECT_NE(note.find("2 residual blocks start as the identity"), std::string::npos) << note;
    auto a = load_transformer_net(dir_.path("first.safetensors")).net;
    auto b = load_transformer_net(dir_.path("again.safetensors")).net;
    const auto input = image_to_tensor(testing::smooth_noise(32, 32, 5));
    {
        torch::NoGradGuard no_grad;
        EXPECT_TRUE(torch::allclose(a->forward(input), b->forward(input), 1e-4, 1e-2));
    }
    // A wider net takes the model's channels as its leading ones.
    auto wider = options("wider.safetensors", 1);
    wider.architecture = TransformerNetOptions().channels(8).residual_blocks(1).outer_kernel(3);
    wider.init_weights = dir_.path("first.safetensors");
    note.clear();
    run(wider, 0, callbacks);
    EXPECT_NE(note.find(" widened, 0 new"), std::string::npos) << note;
    // A narrower one, or another pixel shuffle, is refused before anything runs.
    for (const char* spec : {"c2-r1-k3-s1", "c4-r1-k3-s2"}) {
        auto other = options("other.safetensors", 1);
        other.architecture = architecture_options(spec);
        other.init_weights = dir_.path("first.safetensors");
        EXPECT_THROW(check_warm_start(other), Error) << spec;
        try {
            run(other, 0);
            FAIL() << "a model of architecture " << spec << " was accepted";
        } catch (const Error& error) {
            EXPECT_NE(
                std::string(error.what()).find("first.safetensors: --init model is c4-r1-k3-s1"),
                std::string::npos)
                << error.what();
        }
    }
}

}  // namespace
}  // namespace stylecam
