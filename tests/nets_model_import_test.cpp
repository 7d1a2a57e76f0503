/// Checkpoint → model conversion: the PyTorch examples' mosaic in both torch.save formats must
/// give exactly the weights of styles/mosaic.safetensors, MicroAST's published parts exactly
/// microast.safetensors; wrong inputs fail with one line naming the file.

#include "checkpoint_fixtures.h"
#include "core/error.h"
#include "core/file_util.h"
#include "core/onnx_weights.h"
#include "core/safetensors.h"
#include "nets/model_import.h"
#include "test_support.h"

#include <cstring>
#include <random>

namespace stylecam {
namespace {

std::string original(const std::string& name) {
    return testing::shared_dir() + "/weights/original/" + name;
}

void expect_bit_identical(const std::map<std::string, torch::Tensor>& actual,
                          const std::map<std::string, torch::Tensor>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (const auto& [name, want] : expected) {
        ASSERT_TRUE(actual.count(name)) << name;
        const auto& got = actual.at(name);
        ASSERT_EQ(got.scalar_type(), want.scalar_type()) << name;
        ASSERT_EQ(got.sizes(), want.sizes()) << name;
        EXPECT_EQ(std::memcmp(got.data_ptr(), want.data_ptr(), want.nbytes()), 0) << name;
    }
}

TEST(ModelImport, MosaicInBothFormatsEqualsTheConvertedModel) {
    const auto expected_file = testing::style_weights("mosaic");
    STYLECAM_REQUIRE_FILE(expected_file);
    STYLECAM_REQUIRE_FILE(original("pytorch_examples/mosaic.pth"));
    STYLECAM_REQUIRE_FILE(original("pytorch_examples/mosaic_legacy.pth"));
    const auto expected = read_safetensors(expected_file);
    for (const char* name : {"mosaic.pth", "mosaic_legacy.pth"}) {
        SCOPED_TRACE(name);
        const auto file = read_checkpoint_file(original(std::string("pytorch_examples/") + name));
        const auto models = import_checkpoints({file}, {});
        ASSERT_EQ(models.size(), 1u);
        const auto& model = models[0];
        expect_bit_identical(model.tensors, expected.tensors);
        EXPECT_EQ(model.parameters, 1679235);
        EXPECT_EQ(model.architecture, "johnson2016");
        EXPECT_EQ(model.metadata.at("channels"), "32");
        EXPECT_EQ(model.metadata.at("residual_blocks"), "5");
        EXPECT_EQ(model.metadata.at("style"), std::string(name).substr(0, std::strlen(name) - 4));
        EXPECT_EQ(model.metadata.at("source_file"), name);
        EXPECT_EQ(model.metadata.at("source_sha256").size(), 64u);
        for (const char* key : {"input_color_order", "input_range", "output_range"})
            EXPECT_EQ(model.metadata.at(key), expected.metadata.at(key)) << key;
    }
}

TEST(ModelImport, OnnxExportEqualsTheConvertedModel) {
    const auto expected_file = testing::style_weights("mosaic");
    const auto onnx = testing::shared_dir() + "/weights/onnx/mosaic.onnx";
    STYLECAM_REQUIRE_FILE(expected_file);
    STYLECAM_REQUIRE_FILE(onnx);
    const auto models = import_checkpoints({read_checkpoint_file(onnx)}, {});
    ASSERT_EQ(models.size(), 1u);
    expect_bit_identical(models[0].tensors, read_safetensors(expected_file).tensors);
    EXPECT_EQ(models[0].metadata.at("source_format"), "onnx");

    // Truncated or bit-flipped: one `Error`, never a crash.
    const auto bytes = read_file_bytes(onnx);
    std::mt19937 random(6);
    for (int i = 0; i < 200; ++i) {
        std::string damaged =
            bytes.substr(0, random() % 2 ? bytes.size() : random() % bytes.size());
        if (!damaged.empty() && random() % 2)
            damaged[random() % std::min<size_t>(damaged.size(), 8000)] ^=
                static_cast<char>(1 << (random() % 8));
        try {
            parse_onnx_weights(damaged, "fuzz.onnx");
        } catch (const Error& error) {
            EXPECT_EQ(std::string(error.what()).rfind("fuzz.onnx: ", 0), 0u) << error.what();
        } catch (const std::exception& error) {
            FAIL() << "iteration " << i << ": not a stylecam::Error: " << error.what();
        }
    }
}

TEST(ModelImport, DamagedPicklesOfTheRealMosaicFailCleanly) {
    // Bit flips in the pickled part of the legacy file (its first 8.5 KB: names, shapes,
    // strides, storage keys), then the whole import: success or one `Error`, nothing else.
    const auto path = original("pytorch_examples/mosaic_legacy.pth");
    STYLECAM_REQUIRE_FILE(path);
    const auto bytes = read_file_bytes(path);
    std::mt19937 random(5);
    int failures = 0;
    for (int i = 0; i < 300; ++i) {
        std::string damaged = bytes;
        damaged[15 + random() % 8500] ^= static_cast<char>(1 << (random() % 8));
        try {
            CheckpointFile file{"fuzz.pth", "", parse_torch_checkpoint(damaged, "fuzz.pth")};
            import_checkpoints({file}, {});
        } catch (const Error& error) {
            ++failures;
            EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos) << error.what();
        } catch (const std::exception& error) {
            FAIL() << "iteration " << i << ": not a stylecam::Error: " << error.what();
        }
    }
    EXPECT_GT(failures, 0);
}

TEST(ModelImport, MicroAstPartsEqualTheMergedModel) {
    const auto expected_file = testing::shared_dir() + "/weights/microast.safetensors";
    STYLECAM_REQUIRE_FILE(expected_file);
    std::vector<CheckpointFile> files;
    // Any order: the parts are recognised by their tensors and names.
    for (const char* part : {"decoder", "style_encoder", "modulator", "content_encoder"}) {
        const auto path = original(std::string("microast/") + part + "_iter_160000.pth.tar");
        STYLECAM_REQUIRE_FILE(path);
        files.push_back(read_checkpoint_file(path));
        EXPECT_EQ(files.back().checkpoint.format, "legacy");
    }
    const auto expected = read_safetensors(expected_file);
    const auto models = import_checkpoints(files, {"", expected.metadata.at("source")});
    ASSERT_EQ(models.size(), 1u);
    expect_bit_identical(models[0].tensors, expected.tensors);
    EXPECT_EQ(models[0].name, "microast");
    for (const auto& [key, value] : expected.metadata)
        EXPECT_EQ(models[0].metadata.at(key), value) << key;
    EXPECT_EQ(models[0].metadata.at("source_file"),
              "content_encoder_iter_160000.pth.tar,style_encoder_iter_160000.pth.tar,"
              "modulator_iter_160000.pth.tar,decoder_iter_160000.pth.tar");

    // Three of the four parts are not a model.
    files.pop_back();
    try {
        import_checkpoints(files, {});
        FAIL() << "three parts imported";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("missing: content_encoder"), std::string::npos)
            << error.what();
    }
}

TEST(ModelImport, TorchvisionVgg19KeepsItsFeaturesAndConvention) {
    std::vector<testing::FixtureTensor> tensors = {
        {"features.0.weight", "FloatStorage", {64, 3, 3, 3}, std::string(64 * 27 * 4, '\0')},
        {"features.0.bias", "FloatStorage", {64}, std::string(64 * 4, '\0')},
        {"classifier.0.bias", "FloatStorage", {4}, std::string(4 * 4, '\0')}};
    CheckpointFile file{"vgg19-dcbb9e9d.pth", "",
                        parse_torch_checkpoint(testing::zip_checkpoint(tensors), "vgg19.pth")};
    const auto models = import_checkpoints({file}, {});
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(models[0].name, "vgg19-dcbb9e9d");
    EXPECT_EQ(models[0].tensors.size(), 2u);
    EXPECT_EQ(models[0].metadata.at("input_mean"), "0.485,0.456,0.406");
    EXPECT_EQ(models[0].metadata.at("architecture"), "vgg19");
}

TEST(ModelImport, RefusesOtherNetworksAndDtypes) {
    const auto import_error = [](std::vector<testing::FixtureTensor> tensors) {
        CheckpointFile file{"other.pth", "",
                            parse_torch_checkpoint(testing::zip_checkpoint(tensors), "other.pth")};
        try {
            import_checkpoints({file}, {});
        } catch (const Error& error) {
            return std::string(error.what());
        }
        return std::string("(no error)");
    };
    auto message = import_error(testing::small_fixture());
    EXPECT_EQ(message.rfind("other.pth: not a checkpoint StyleCam can import", 0), 0u) << message;

    auto doubles = testing::small_fixture();
    doubles[0].name = "conv1.conv2d.weight";
    doubles[0].storage_type = "DoubleStorage";
    doubles[0].sizes = {3};
    message = import_error(doubles);
    EXPECT_NE(message.find("only fp32 and fp16"), std::string::npos) << message;

    auto partial = testing::small_fixture();
    partial[0].name = "conv1.conv2d.weight";
    partial[0].sizes = {1, 3, 1, 2};
    message = import_error(partial);
    EXPECT_EQ(message.rfind("other.pth: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace
}  // namespace stylecam
