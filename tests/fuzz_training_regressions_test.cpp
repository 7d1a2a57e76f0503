// The training checkpoint fuzzer's old findings (tests/fuzz/regressions/training_checkpoint),
// replayed, and the behaviour its fix guarantees: a damaged checkpoint is refused by name.

#include "core/error.h"
#include "core/file_util.h"
#include "core/zip_archive.h"
#include "fuzz/fuzz_entry_points.h"
#include "fuzz/replay.h"
#include "test_support.h"
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <fstream>

namespace stylecam {

TEST(FuzzRegressions, TrainingCheckpoint) {
    EXPECT_GE(fuzz::replay("training_checkpoint", fuzz::training_checkpoint), 1);
}

// fuzz_training_checkpoint, first finding: one byte changed in a TorchScript record of a .ckpt
// (`__parameters__` → `__parameTers__`) crashed LibTorch's loader (SEGV in
// ScriptTypeParser), which checks no CRC. Resuming now checks every zip entry first.
TEST(FuzzRegressions, ResumingFromADamagedCheckpointIsOneLineNotACrash) {
    testing::TempDir dir;
    TrainerOptions options;
    options.architecture.channels(1).residual_blocks(1).outer_kernel(3);
    options.batch = 1;
    options.steps = 1;
    options.output = dir.path("model.safetensors");
    const auto batch = [](int64_t) {
        TrainingBatch b;
        b.input = torch::zeros({1, 3, 16, 16});
        return b;
    };
    const TrainingLossFn loss = [](const TrainingBatch&, const torch::Tensor& output) {
        return std::map<std::string, torch::Tensor>{{"total", output.mean()}};
    };
    train_transformer_net(options, batch, loss);

    const std::string path = checkpoint_path(options.output);
    std::string bytes = read_file_bytes(path);
    size_t code = std::string::npos;
    const ZipArchive archive(bytes, path, /*allow_deflated=*/true);
    for (const auto& [entry, data] : archive.entries())
        if (archive.is_stored(entry) && entry.find("/code/") != std::string::npos &&
            data.find("__parameters__") != data.npos)
            code = static_cast<size_t>(data.data() - bytes.data()) + data.find("__parameters__");
    ASSERT_NE(code, std::string::npos) << "no TorchScript record in " << path;
    bytes[code + 7] = 'T';
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

    options.resume = true;
    options.steps = 2;
    try {
        train_transformer_net(options, batch, loss);
        FAIL() << "resumed from a damaged checkpoint";
    } catch (const Error& error) {
        const std::string message = error.what();
        EXPECT_EQ(message.rfind(path + ": unreadable checkpoint (zip entry", 0), 0u) << message;
        EXPECT_NE(message.find("CRC mismatch"), std::string::npos) << message;
    }
}

}  // namespace stylecam
