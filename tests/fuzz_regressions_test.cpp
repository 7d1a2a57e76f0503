// Every input a fuzzer of tests/fuzz once crashed on (tests/fuzz/regressions/<target>/*), fed
// again to the same entry point: each must now be rejected with stylecam::Error or accepted,
// never crash. One test per fuzz target (the training checkpoint's:
// fuzz_training_regressions_test), and one per finding that says what was wrong.

#include "core/error.h"
#include "core/onnx_weights.h"
#include "fuzz/fuzz_entry_points.h"
#include "fuzz/replay.h"
#include "image/picture.h"

#include <gtest/gtest.h>

namespace stylecam {
using fuzz::replay;

TEST(FuzzRegressions, SafetensorsModel) { replay("safetensors_model", fuzz::safetensors_model); }
TEST(FuzzRegressions, TorchCheckpoint) { replay("torch_checkpoint", fuzz::torch_checkpoint); }
TEST(FuzzRegressions, Pickle) { replay("pickle", fuzz::pickle); }
TEST(FuzzRegressions, Zip) { replay("zip", fuzz::zip); }
TEST(FuzzRegressions, OnnxWeights) { replay("onnx_weights", fuzz::onnx_weights); }
TEST(FuzzRegressions, Picture) { replay("picture", fuzz::picture); }

// fuzz_picture, first finding (CI's 60 s run, 2026-11-30): a 206-byte TIFF whose header claims
// more than 2^30 pixels made cv::imread throw cv::Exception, which read_picture let through
// (std::terminate in the fuzzer; a message without the file's name in the program). Now it is
// one line naming the file.
TEST(FuzzRegressions, PictureClaimingAGigapixelIsOneLineNamingTheFile) {
    namespace fs = std::filesystem;
    const fs::path input = fs::path(STYLECAM_SOURCE_DIR) /
                           "tests/fuzz/regressions/picture/"
                           "picture-crash-c30abba153e3c4637a466a691a9c2b3e39b09980";
    ASSERT_TRUE(fs::exists(input));
    try {
        read_picture(input.string());
        FAIL() << "accepted";
    } catch (const Error& error) {
        EXPECT_EQ(std::string(error.what()),
                  input.string() +
                      ": cannot decode image (its header claims more than 1073 "
                      "million pixels)");
    }
}

// fuzz_onnx_weights, first finding: an initializer's shape was allocated before its data was
// checked, so 40 bytes claiming [2^38] floats asked for a terabyte (out of memory, or a LibTorch
// error instead of ours). Now the size is checked first.
TEST(FuzzRegressions, OnnxShapeClaimingATerabyteIsRejectedBeforeAllocating) {
    const auto field = [](int number, const std::string& bytes) {
        return std::string(1, static_cast<char>(number << 3 | 2)) +
               static_cast<char>(bytes.size()) + bytes;
    };
    // TensorProto: dims = 2^38 (varint), data_type = FLOAT, name = "w", raw_data = 4 bytes.
    const std::string dims = std::string("\x08") + "\x80\x80\x80\x80\x80\x08";
    const std::string tensor = dims + "\x10\x01" + field(8, "w") + field(9, std::string(4, '\0'));
    const std::string model = field(7, field(5, tensor));
    try {
        parse_onnx_weights(model, "huge.onnx");
        FAIL() << "accepted";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("holds 4 bytes, expected 1099511627776"),
                  std::string::npos)
            << error.what();
    }
}

}  // namespace stylecam
