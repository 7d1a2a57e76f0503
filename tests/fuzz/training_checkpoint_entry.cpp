// stylecam::fuzz::training_checkpoint: `stylecam train --resume` on a checkpoint from anywhere.
#include "fuzz/fuzz_entry_points.h"

#include "core/error.h"
#include "train/trainer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace stylecam::fuzz {

void training_checkpoint(std::string_view bytes) {
    namespace fs = std::filesystem;
    const fs::path dir =
        (fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path()) /
        ("stylecam-fuzz-train-" + std::to_string(getpid()));
    fs::create_directories(dir);
    TrainerOptions options;
    options.architecture.channels(1).residual_blocks(1).outer_kernel(3);
    options.batch = 1;
    options.steps = 1;
    options.checkpoint_every = 1;
    options.output = (dir / "model.safetensors").string();
    options.resume = true;
    {
        std::ofstream out(checkpoint_path(options.output), std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    const auto batch = [](int64_t) {
        TrainingBatch b;
        b.input = torch::zeros({1, 3, 16, 16});
        return b;
    };
    const TrainingLossFn loss = [](const TrainingBatch&, const torch::Tensor& output) {
        return std::map<std::string, torch::Tensor>{{"total", output.mean()}};
    };
    try {
        train_transformer_net(options, batch, loss);
    } catch (const Error&) {
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

}  // namespace stylecam::fuzz
