#include "core/device.h"
#include "core/error.h"

#include <opencv2/imgcodecs.hpp>
#include "image/metrics.h"
#include "image/tensor_image.h"
#include "nets/model_file.h"
#include "stylize/stylizer.h"
#include "test_support.h"
#include "train/trainer.h"
#include "train/training_data.h"

#include <filesystem>
#include <fstream>
#include <set>

namespace stylecam {
namespace {

using testing::TempDir;

/// `count` generated photos p0.png, p1.png, ... (seeds seed, seed + 1, ...) in a new `folder`.
void write_photos(const std::string& folder, int count, int rows, int cols, int seed) {
    std::filesystem::create_directories(folder);
    for (int i = 0; i < count; ++i)
        cv::imwrite(folder + "/p" + std::to_string(i) + ".png",
                    testing::smooth_noise(rows, cols, seed + i));
}

/// A tiny teacher, its outputs on a few generated pictures, and a student trained to copy it.
class Distill : public ::testing::Test {
  protected:
    void SetUp() override {
        // The teacher: the student's own starting point (seed 9) with another, much stronger
        // output layer, so that its outputs spread over 0..255 like a real style's. Reachable
        // in a few steps (a random net of another seed is not).
        torch::manual_seed(9);
        TransformerNet teacher(
            TransformerNetOptions().channels(4).residual_blocks(1).outer_kernel(3));
        {
            torch::NoGradGuard no_grad;
            for (auto& item : teacher->named_parameters()) {
                if (item.key() == "deconv3.conv2d.weight") item.value().normal_(0, 5);
                if (item.key() == "deconv3.conv2d.bias") item.value().fill_(127.5);
            }
        }
        save_transformer_net(dir_.path("teacher.safetensors"), teacher);
        std::vector<cv::Mat> pictures;
        for (int i = 0; i < 5; ++i) pictures.push_back(testing::smooth_noise(40, 56, 100 + i));
        DataOptions options;
        options.image_size = 32;
        options.seed = 3;
        data_ = std::make_unique<TrainingData>(pictures, options);
        StylizerOptions cpu;
        cpu.network.device = DeviceKind::Cpu;
        Stylizer stylizer(dir_.path("teacher.safetensors"), cpu);
        for (const auto& picture : pictures) targets_.push_back(stylizer.stylize(picture));
    }
    TrainerOptions options(int64_t steps, const std::string& name = "student.safetensors") const {
        TrainerOptions options;
        options.architecture =
            TransformerNetOptions().channels(4).residual_blocks(1).outer_kernel(3);
        options.batch = 2;
        options.steps = steps;
        options.learning_rate = 5e-3;
        options.final_learning_rate = 1e-3;  // resume must follow the cosine schedule too
        options.seed = 9;
        options.checkpoint_every = 3;
        options.output = dir_.path(name);
        return options;
    }
    TrainingBatch batch(int64_t step) const {
        return {data_->batch(step, 2), data_->aligned_batch(step, 2, targets_), {}};
    }
    static std::map<std::string, torch::Tensor> pixel_loss(const TrainingBatch& batch,
                                                           const torch::Tensor& output) {
        auto pixel = torch::mse_loss(output / 255.0, batch.target / 255.0);
        return {{"pixel", pixel}, {"total", pixel}};
    }
    TrainingResult run(const TrainerOptions& options, const TrainerCallbacks& callbacks = {}) {
        return train_transformer_net(
            options, [&](int64_t step) { return batch(step); }, pixel_loss, callbacks);
    }
    TempDir dir_;
    std::unique_ptr<TrainingData> data_;
    std::vector<cv::Mat> targets_;
};

TEST_F(Distill, AFewStepsLowerTheLossAndTheStudentGetsCloser) {
    const auto result = run(options(120));
    ASSERT_EQ(result.history.size(), 120u);
    double first = 0, last = 0;
    for (int i = 0; i < 5; ++i) first += result.history[i].terms.at("total");
    for (int i = 115; i < 120; ++i) last += result.history[i].terms.at("total");
    EXPECT_LT(last, first * 0.7);
    // Closer to the teacher at full resolution than the student after its first step.
    StylizerOptions cpu;
    cpu.network.device = DeviceKind::Cpu;
    Stylizer trained(dir_.path("student.safetensors"), cpu);
    run(options(1, "one_step.safetensors"));
    Stylizer before(dir_.path("one_step.safetensors"), cpu);
    const cv::Mat photo = testing::smooth_noise(48, 64, 777),
                  target = Stylizer(dir_.path("teacher.safetensors"), cpu).stylize(photo);
    EXPECT_GT(psnr(trained.stylize(photo), target), psnr(before.stylize(photo), target) + 1.0);
    // Log, curve, preview and the model's metadata.
    std::ifstream log(log_path(options(1).output));
    std::string header;
    std::getline(log, header);
    EXPECT_EQ(header, "step,total,pixel");
    EXPECT_TRUE(std::filesystem::exists(loss_curve_path(options(1).output)));
    const auto loaded = load_transformer_net(dir_.path("student.safetensors"));
    EXPECT_EQ(loaded.metadata.at("training_steps"), "120");
    EXPECT_EQ(loaded.net->options().outer_kernel(), 3);
}

TEST_F(Distill, KillAndResumeEqualsTheUninterruptedRun) {
    const auto whole = run(options(9, "whole.safetensors"));
    std::atomic<bool> stop{false};
    TrainerCallbacks callbacks;
    callbacks.stop = &stop;
    callbacks.on_step = [&](const TrainingReport& report) {
        stop = report.step == 5;
    };  // "killed" after 5
    const auto first = run(options(9, "parts.safetensors"), callbacks);
    EXPECT_TRUE(first.stopped);
    EXPECT_EQ(first.last_step, 5);
    EXPECT_FALSE(
        std::filesystem::exists(dir_.path("parts.safetensors")));  // no model before the end
    auto resumed_options = options(9, "parts.safetensors");
    resumed_options.resume = true;
    const auto second = run(resumed_options);
    EXPECT_EQ(second.first_step, 5);
    ASSERT_EQ(second.history.size(), 4u);
    for (size_t i = 0; i < second.history.size(); ++i) {
        const double expected = whole.history[5 + i].terms.at("total");
        EXPECT_NEAR(second.history[i].terms.at("total"), expected, 1e-5 * std::abs(expected))
            << "step " << 6 + i;
    }
    auto a = load_transformer_net(dir_.path("whole.safetensors"));
    auto b = load_transformer_net(dir_.path("parts.safetensors"));
    auto x = torch::rand({1, 3, 16, 16}) * 255;
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(a.net->forward(x), b.net->forward(x), 1e-4, 1e-3));
    // The log holds each step once.
    std::ifstream log(log_path(dir_.path("parts.safetensors")));
    int rows = 0;
    for (std::string line; std::getline(log, line);) ++rows;
    EXPECT_EQ(rows, 1 + 9);
}

TEST_F(Distill, HalfWrittenCheckpointsAreNeverLoaded) {
    std::atomic<bool> stop{false};
    TrainerCallbacks callbacks;
    callbacks.stop = &stop;
    callbacks.on_step = [&](const TrainingReport& report) { stop = report.step == 3; };
    run(options(9), callbacks);
    const auto checkpoint = checkpoint_path(options(9).output);
    ASSERT_TRUE(std::filesystem::exists(checkpoint));
    // A crash while writing the next one leaves only its temporary file: resume ignores it.
    testing::write_text(dir_.path(".student.safetensors.ckpt.partial-99.ckpt"), "half a zip");
    auto resumed = options(9);
    resumed.resume = true;
    EXPECT_EQ(run(resumed).first_step, 3);
    // A checkpoint truncated by other means is a clear error, not a crash.
    std::ifstream in(checkpoint, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    testing::write_text(checkpoint, bytes.substr(0, bytes.size() / 2));
    try {
        run(resumed);
        FAIL();
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("unreadable checkpoint"), std::string::npos)
            << error.what();
    }
}

TEST_F(Distill, ResumeOfADifferentRunOrWithoutCheckpointIsRefused) {
    auto resumed = options(6, "fresh.safetensors");
    resumed.resume = true;
    EXPECT_THROW(run(resumed), Error);  // no checkpoint yet
    run(options(3, "fresh.safetensors"));
    resumed.batch = 3;
    EXPECT_THROW(run(resumed), Error);  // batch differs
}

TEST(TrainCli, AShortRunFromScratchLowersTheLossAndWritesItsFiles) {
    TempDir dir;
    write_photos(dir.path("photos"), 4, 48, 64, 50);
    cv::imwrite(dir.path("painting.png"), testing::smooth_noise(64, 64, 99));
    testing::write_tiny_vgg(dir.path("vgg.safetensors"));
    const auto result = testing::run_stylecam(
        "train --style " + dir.path("painting.png") + " --data " + dir.path("photos") +
        " --output " + dir.path("style.safetensors") + " --vgg " + dir.path("vgg.safetensors") +
        " --arch fast --image-size 32 --batch 2 --steps 30 --checkpoint-every 10 --lr 5e-3");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::ifstream log(dir.path("style.safetensors.csv"));
    std::string header;
    std::getline(log, header);
    EXPECT_EQ(header, "step,total,content,style,tv");
    std::vector<double> totals;
    for (std::string line; std::getline(log, line);)
        totals.push_back(std::stod(line.substr(line.find(',') + 1)));
    ASSERT_EQ(totals.size(), 30u);
    EXPECT_LT(totals[27] + totals[28] + totals[29], totals[0] + totals[1] + totals[2]);
    auto model = load_transformer_net(dir.path("style.safetensors"));
    EXPECT_EQ(model.metadata.at("style"), "painting");
    EXPECT_EQ(model.metadata.at("architecture_name"),
              std::string("fast (") + kFastArchitecture + ")");
    for (const auto& file :
         {"style.safetensors.loss.png", "style.safetensors.preview.jpg", "style.safetensors.ckpt"})
        EXPECT_TRUE(std::filesystem::exists(dir.path(file))) << file;
    // --epochs instead of --steps: 2 passes over 4 photos at batch 2 are 4 steps.
    const auto epochs = testing::run_stylecam(
        "train --style " + dir.path("painting.png") + " --data " + dir.path("photos") +
        " --output " + dir.path("epochs.safetensors") + " --vgg " + dir.path("vgg.safetensors") +
        " --arch c4-r1-k3-s1 --image-size 32 --batch 2 --epochs 2");
    ASSERT_EQ(epochs.exit_code, 0) << epochs.err;
    EXPECT_EQ(load_transformer_net(dir.path("epochs.safetensors")).metadata.at("training_steps"),
              "4");
    EXPECT_NE(testing::run_stylecam("train --style " + dir.path("painting.png") + " --data " +
                                    dir.path("photos") + " --output " + dir.path("x.safetensors") +
                                    " --steps 5 --epochs 2")
                  .exit_code,
              0);
    // Bad input: an unreadable painting, an empty data folder.
    testing::write_text(dir.path("bad.jpg"), "text");
    auto bad = testing::run_stylecam("train --style " + dir.path("bad.jpg") + " --data " +
                                     dir.path("photos") + " --output " + dir.path("x.safetensors") +
                                     " --vgg " + dir.path("vgg.safetensors"));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("bad.jpg: cannot decode image"), std::string::npos) << bad.err;
    std::filesystem::create_directory(dir.path("empty"));
    bad = testing::run_stylecam("train --style " + dir.path("painting.png") + " --data " +
                                dir.path("empty") + " --output " + dir.path("x.safetensors") +
                                " --vgg " + dir.path("vgg.safetensors"));
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("no usable photo or video (0 file(s) skipped"), std::string::npos)
        << bad.err;
    bad = testing::run_stylecam("train --style " + dir.path("painting.png") + " --data " +
                                dir.path("photos") + " --output " + dir.path("x.safetensors") +
                                " --batch 0");
    EXPECT_NE(bad.exit_code, 0);
    // Too little memory for the batch: refused before any work, saying what to lower.
    bad = testing::run_stylecam("train --style " + dir.path("painting.png") + " --data " +
                                dir.path("photos") + " --output " + dir.path("x.safetensors") +
                                " --vgg " + dir.path("vgg.safetensors") +
                                " --batch 256 --image-size 2048");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("not enough memory: --batch 256 at --image-size 2048 needs about"),
              std::string::npos)
        << bad.err;
    EXPECT_NE(bad.err.find("lower --batch or --image-size"), std::string::npos) << bad.err;
}

TEST(TrainCli, DistillOnCudaTrainsThereOrSaysCudaIsMissing) {
    TempDir dir;
    write_photos(dir.path("photos"), 3, 40, 48, 70);
    torch::manual_seed(4);
    TransformerNet teacher(architecture_options("c4-r1-k3-s1"));
    save_transformer_net(dir.path("teacher.safetensors"), teacher);
    const auto result = testing::run_stylecam(
        "distill --teacher " + dir.path("teacher.safetensors") + " --data " + dir.path("photos") +
        " --output " + dir.path("student.safetensors") +
        " --arch c4-r1-k3-s2 --image-size 32 --batch 2 --steps 6 --device cuda");
    if (cuda_available()) {
        ASSERT_EQ(result.exit_code, 0) << result.err;
        EXPECT_EQ(
            load_transformer_net(dir.path("student.safetensors")).metadata.at("training_device"),
            "cuda:0");
    } else {
        EXPECT_EQ(result.exit_code, 1);
        EXPECT_NE(result.err.find("--device cuda: CUDA is not available"), std::string::npos)
            << result.err;
        EXPECT_FALSE(std::filesystem::exists(dir.path("student.safetensors")));
    }
}

TEST(Trainer, StepMemoryEstimateGrowsWithBatchAndSizeAndShrinksWithTheShuffle) {
    TrainerOptions options;
    options.architecture = architecture_options("full");
    options.batch = 4;
    const double full = estimate_step_bytes(options, 256);
    EXPECT_GT(full, 1e9);  // the published net at batch 4, 256 px: gigabytes, not megabytes
    EXPECT_LT(full, 1e10);
    EXPECT_NEAR(estimate_step_bytes(options, 512), 4 * full, 1e-6 * full);
    options.batch = 8;
    EXPECT_NEAR(estimate_step_bytes(options, 256), 2 * full, 1e-6 * full);
    options.batch = 4;
    options.architecture = architecture_options("fast");
    EXPECT_LT(estimate_step_bytes(options, 256), full / 4);
}

TEST(TrainingData, BatchesAreAFunctionOfSeedAndStep) {
    std::vector<cv::Mat> pictures;
    for (int i = 0; i < 7; ++i) pictures.push_back(testing::smooth_noise(30, 40, i));
    DataOptions options;
    options.image_size = 16;
    options.seed = 5;
    TrainingData a(pictures, options), b(pictures, options);
    EXPECT_TRUE(torch::equal(a.batch(11, 3), b.batch(11, 3)));
    EXPECT_FALSE(torch::equal(a.batch(11, 3), a.batch(12, 3)));
    EXPECT_EQ(a.batch(0, 3).sizes(), (std::vector<int64_t>{3, 3, 16, 16}));
    // each epoch visits every picture once
    std::set<int64_t> seen;
    for (int64_t step = 0; step < 7; ++step)
        for (auto index : a.batch_indices(step, 1)) seen.insert(index);
    EXPECT_EQ(seen.size(), 7u);
}

TEST(TrainingData, NativeScaleCropsArePixelsOfThePictureNeverFlipped) {
    std::vector<cv::Mat> pictures;
    for (int i = 0; i < 3; ++i) pictures.push_back(testing::smooth_noise(30, 40, 50 + i));
    DataOptions options;
    options.image_size = 16;
    options.native_scale = true;
    TrainingData data(pictures, options);
    for (int64_t step = 0; step < 6; ++step) {
        const auto indices = data.batch_indices(step, 2);
        const auto batch = data.batch(step, 2);
        for (int slot = 0; slot < 2; ++slot) {
            const auto& picture = data.picture(indices[static_cast<size_t>(slot)]);
            const auto crop = data.crop_for(step, slot, picture.size());
            EXPECT_EQ(crop.rect.size(), cv::Size(16, 16));
            EXPECT_FALSE(crop.flip);
            EXPECT_TRUE(torch::equal(batch[slot], image_to_tensor(picture(crop.rect))[0]));
        }
    }
}

TEST(TrainingData, NativeScaleEnlargesPicturesSmallerThanTheCrop) {
    TempDir dir;
    std::filesystem::create_directories(dir.path("photos"));
    cv::imwrite(dir.path("photos/small.png"), testing::smooth_noise(10, 30, 1));
    DataOptions options;
    options.image_size = 16;
    options.native_scale = true;
    TrainingData data(dir.path("photos"), options);
    EXPECT_EQ(data.picture(0).size(), cv::Size(48, 16));
    EXPECT_EQ(data.batch(0, 1).sizes(), (std::vector<int64_t>{1, 3, 16, 16}));
}

TEST(TrainingData, ExtraScalesAddSmallerCopiesThatStillHoldACrop) {
    DataOptions options;
    options.image_size = 16;
    options.native_scale = true;
    options.extra_scales = {0.5, 0.25};
    TrainingData data({testing::smooth_noise(40, 60, 1)}, options);
    ASSERT_EQ(data.size(), 2);  // 0.25 would leave 10 rows, less than a crop
    EXPECT_EQ(data.picture(1).size(), cv::Size(30, 20));
    EXPECT_EQ(data.summary().images, 1);
    EXPECT_EQ(data.summary().scaled_copies, 1);
}

TEST(TrainingData, PhotosTooManyForMemoryAreStreamedAndGiveTheSameBatches) {
    TempDir dir;
    std::filesystem::create_directory(dir.path("photos"));
    for (int i = 0; i < 5; ++i)
        cv::imwrite(dir.path("photos/p" + std::to_string(i) + ".png"),
                    testing::smooth_noise(60 + 4 * i, 80, 20 + i));
    testing::write_text(dir.path("photos/broken.jpg"), "not a jpeg");
    DataOptions options;
    options.image_size = 32;
    options.working_side = 64;
    options.extra_scales = {0.6};
    TrainingData in_memory(dir.path("photos"), options);
    options.memory_budget_bytes = 1000;  // less than one photo
    std::vector<std::string> warnings;
    options.warn = [&](const std::string& message) { warnings.push_back(message); };
    TrainingData streamed(dir.path("photos"), options);
    EXPECT_FALSE(in_memory.summary().streamed);
    ASSERT_TRUE(streamed.summary().streamed);
    EXPECT_EQ(streamed.size(), in_memory.size());
    EXPECT_EQ(streamed.summary().skipped.size(), 1u);  // broken.jpg: no decoder recognises it
    for (int64_t step = 0; step < 8; ++step)
        EXPECT_TRUE(torch::equal(streamed.batch(step, 2), in_memory.batch(step, 2))) << step;
    // A photo that breaks after the listing: the next one takes its place, with one warning.
    const std::string victim = dir.path("photos/p2.png");
    std::filesystem::resize_file(victim, std::filesystem::file_size(victim) / 2);
    for (int64_t step = 0; step < 8; ++step)
        EXPECT_EQ(streamed.batch(step, 2).sizes(), (std::vector<int64_t>{2, 3, 32, 32}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("p2.png"), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("instead"), std::string::npos) << warnings[0];
}

TEST(Trainer, LearningRateFollowsAHalfCosineToItsFinalValue) {
    TrainerOptions options;
    options.steps = 101;
    options.learning_rate = 2e-3;
    options.final_learning_rate = 1e-4;
    EXPECT_DOUBLE_EQ(learning_rate_at(options, 0), 2e-3);
    EXPECT_NEAR(learning_rate_at(options, 50), (2e-3 + 1e-4) / 2, 1e-12);
    EXPECT_DOUBLE_EQ(learning_rate_at(options, 100), 1e-4);
    for (int64_t step = 1; step <= 100; ++step)
        EXPECT_LT(learning_rate_at(options, step), learning_rate_at(options, step - 1));
    options.final_learning_rate = options.learning_rate;
    EXPECT_DOUBLE_EQ(learning_rate_at(options, 77), 2e-3);
}

TEST(TrainingData, EmptyOrUnreadableFoldersSayWhy) {
    TempDir dir;
    testing::write_text(dir.path("notes.txt"), "x");
    testing::write_text(dir.path("broken.jpg"), "not a jpeg");
    try {
        TrainingData data(dir.path(), DataOptions{});
        FAIL();
    } catch (const Error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("no usable photo or video (2 file(s) skipped"), std::string::npos)
            << message;
    }
    EXPECT_THROW(TrainingData(dir.path("missing"), DataOptions{}), Error);
}

}  // namespace
}  // namespace stylecam
