// fuzz_make_seeds OUT_DIR: small valid inputs for every fuzz target, written to
// OUT_DIR/<target>/<name> (each a few KB at most): a tiny transformer net and a tiny MicroAST as
// safetensors, torch.save checkpoints of them (zip, zip64, legacy), their pickles and zips alone,
// a tiny ONNX model's initializers, a training checkpoint from one step of a tiny run, and images
// (PNG, JPEG, BMP, PPM, 16-bit and alpha PNG, 1×1, too small for a painting). .ci/fuzz adds
// prefixes of the real files in ../shared/weights when they are there.

#include "checkpoint_fixtures.h"
#include "core/safetensors.h"
#include "nets/microast.h"
#include "nets/state_dict.h"
#include "nets/transformer_net.h"
#include "train/trainer.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;
using namespace stylecam;

namespace {

fs::path out_dir;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
    fs::create_directories(out_dir / target);
    std::ofstream(out_dir / target / name, std::ios::binary) << bytes;
}

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// A state dict as checkpoint fixtures, stored as fp16 (half the bytes).
std::vector<testing::FixtureTensor> fixtures(const std::map<std::string, torch::Tensor>& tensors) {
    std::vector<testing::FixtureTensor> out;
    for (const auto& [name, tensor] : tensors) {
        const auto half = tensor.to(torch::kHalf).contiguous();
        std::string bytes(half.numel() * 2, '\0');
        std::memcpy(bytes.data(), half.data_ptr(), bytes.size());
        out.push_back({name, "HalfStorage", half.sizes().vec(), bytes});
    }
    return out;
}

std::map<std::string, torch::Tensor> halves(std::map<std::string, torch::Tensor> tensors) {
    for (auto& [name, tensor] : tensors) tensor = tensor.to(torch::kHalf);
    return tensors;
}

/// protobuf: a varint, a length-delimited field.
void varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}
void field(std::string& out, int number, const std::string& bytes) {
    varint(out, (number << 3) | 2);
    varint(out, bytes.size());
    out += bytes;
}

/// ModelProto { graph { initializer { dims, data_type, name, raw_data } } } of fp32 tensors.
std::string onnx_model(const std::map<std::string, torch::Tensor>& tensors) {
    std::string graph;
    for (const auto& [name, tensor] : tensors) {
        std::string initializer;
        for (auto d : tensor.sizes()) {
            varint(initializer, (1 << 3) | 0);
            varint(initializer, d);
        }
        varint(initializer, (2 << 3) | 0);
        varint(initializer, 1);  // FLOAT
        field(initializer, 8, name);
        const auto t = tensor.to(torch::kFloat).contiguous();
        field(initializer, 9, std::string(static_cast<const char*>(t.data_ptr()), t.numel() * 4));
        field(graph, 5, initializer);
    }
    std::string model;
    varint(model, (1 << 3) | 0);
    varint(model, 7);  // ir_version
    field(model, 7, graph);
    return model;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: fuzz_make_seeds OUT_DIR\n";
        return 2;
    }
    out_dir = argv[1];
    torch::manual_seed(0);

    TransformerNet net(TransformerNetOptions().channels(1).residual_blocks(1).outer_kernel(3));
    const auto net_tensors = state_dict(*net);
    Metadata johnson{{"architecture", "johnson2016"},
                     {"channels", "1"},
                     {"residual_blocks", "1"},
                     {"style", "seed"}};
    write("safetensors_model", "johnson_f16.safetensors",
          serialize_safetensors(halves(net_tensors), johnson));
    MicroAst micro(MicroAstOptions().channels(1));
    const auto micro_tensors = state_dict(*micro);
    write("safetensors_model", "microast_f16.safetensors",
          serialize_safetensors(halves(micro_tensors), {{"architecture", "microast"}}));
    write("safetensors_model", "scalars.safetensors",
          serialize_safetensors({{"a", torch::tensor({1, 2}, torch::kInt64)},
                                 {"b", torch::ones({2, 2}, torch::kBFloat16)}},
                                {{"note", "x"}}));

    const auto net_fixture = fixtures(net_tensors);
    write("torch_checkpoint", "johnson_zip.pth", testing::zip_checkpoint(net_fixture));
    write("torch_checkpoint", "johnson_zip64.pth", testing::zip_checkpoint(net_fixture, true));
    write("torch_checkpoint", "johnson_legacy.pth", testing::legacy_checkpoint(net_fixture));
    write("torch_checkpoint", "small_zip.pth", testing::zip_checkpoint(testing::small_fixture()));
    write("torch_checkpoint", "small_legacy.pth",
          testing::legacy_checkpoint(testing::small_fixture()));
    write("pickle", "state_dict.pkl", testing::state_dict_pickle(testing::small_fixture(), false));
    write("pickle", "legacy.pkl", testing::state_dict_pickle(testing::small_fixture(), true));
    write("zip", "checkpoint.zip", testing::zip_checkpoint(testing::small_fixture()));
    write("zip", "checkpoint64.zip", testing::zip_checkpoint(testing::small_fixture(), true));
    write("zip", "two.zip", testing::stored_zip({{"a", "hello"}, {"dir/b", ""}}));
    write("onnx_weights", "johnson.onnx", onnx_model(net_tensors));

    // Images: every decoder OpenCV has here, and the sizes the project treats specially.
    cv::Mat image(20, 24, CV_8UC3);
    cv::randu(image, 0, 255);
    const auto encode = [&](const std::string& name, const cv::Mat& m) {
        std::vector<uchar> bytes;
        cv::imencode(fs::path(name).extension().string(), m, bytes);
        write("picture", name, std::string(bytes.begin(), bytes.end()));
    };
    encode("rgb.png", image);
    encode("rgb.jpg", image);
    encode("rgb.bmp", image);
    encode("rgb.ppm", image);
    encode("one.png", image(cv::Rect(0, 0, 1, 1)));
    encode("small.png", image(cv::Rect(0, 0, 8, 8)));
    cv::Mat deep;
    image.convertTo(deep, CV_16UC3, 257);
    encode("deep.png", deep);
    cv::Mat bgra;
    cv::cvtColor(image, bgra, cv::COLOR_BGR2BGRA);
    encode("alpha.png", bgra);
    cv::Mat gray(17, 16, CV_8UC1, cv::Scalar(90));
    encode("gray.pgm", gray);
    encode("gray.tif", gray);

    // A training checkpoint: one step of the run the fuzz target resumes (1 channel, 1 block).
    const fs::path run = out_dir / "training-run";
    fs::create_directories(run);
    TrainerOptions options;
    options.architecture.channels(1).residual_blocks(1).outer_kernel(3);
    options.batch = 1;
    options.steps = 1;
    options.output = (run / "model.safetensors").string();
    train_transformer_net(
        options,
        [](int64_t) {
            TrainingBatch b;
            b.input = torch::zeros({1, 3, 16, 16});
            return b;
        },
        [](const TrainingBatch&, const torch::Tensor& output) {
            return std::map<std::string, torch::Tensor>{{"total", output.mean()}};
        });
    write("training_checkpoint", "one_step.ckpt", read(checkpoint_path(options.output)));
    fs::remove_all(run);
    return 0;
}
