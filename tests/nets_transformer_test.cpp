#include "core/error.h"
#include "nets/model_file.h"
#include "nets/state_dict.h"
#include "test_support.h"

namespace stylecam {
namespace {

using testing::TempDir;

int64_t count_parameters(torch::nn::Module& module) {
    int64_t total = 0;
    for (const auto& parameter : module.parameters()) total += parameter.numel();
    return total;
}

TEST(TransformerNet, DefaultIsThePublishedNetwork) {
    TransformerNet net;
    EXPECT_EQ(count_parameters(*net), 1679235);
    const auto names = state_dict(*net);
    for (const char* name :
         {"conv1.conv2d.weight", "in1.weight", "conv3.conv2d.bias", "res1.conv1.conv2d.weight",
          "res5.in2.bias", "deconv1.conv2d.weight", "in5.weight", "deconv3.conv2d.bias"})
        EXPECT_EQ(names.count(name), 1u) << name;
    EXPECT_EQ(names.size(), 62u);  // 16 convs × 2 + 15 norms × 2
}

TEST(TransformerNet, SameNamesAsThePyTorchExampleFile) {
    const auto file = testing::style_weights("mosaic");
    STYLECAM_REQUIRE_FILE(file);
    const auto contents = read_safetensors(file);
    TransformerNet net;
    const auto ours = state_dict(*net);
    ASSERT_EQ(ours.size(), contents.tensors.size());
    for (const auto& [name, tensor] : contents.tensors) {
        ASSERT_EQ(ours.count(name), 1u) << name;
        EXPECT_EQ(ours.at(name).sizes(), tensor.sizes()) << name;
    }
}

TEST(TransformerNet, OutputSizeEqualsInputSize) {
    torch::NoGradGuard no_grad;
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    net->eval();
    for (auto [h, w] : {std::pair{8, 8}, {12, 20}, {36, 28}, {64, 48}}) {
        const auto out = net->forward(torch::rand({1, 3, h, w}) * 255);
        EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, 3, h, w}));
    }
    EXPECT_THROW(net->forward(torch::rand({1, 3, 10, 12})), Error);
    EXPECT_THROW(net->forward(torch::rand({1, 3, 4, 4})), Error);
}

TEST(ModelFile, RoundTripRebuildsTheArchitecture) {
    TempDir dir;
    torch::manual_seed(3);
    TransformerNet net(TransformerNetOptions().channels(8).residual_blocks(3));
    save_transformer_net(dir.path("m.safetensors"), net, {{"style", "test"}});
    auto loaded = load_transformer_net(dir.path("m.safetensors"));
    EXPECT_EQ(loaded.net->options().channels(), 8);
    EXPECT_EQ(loaded.net->options().residual_blocks(), 3);
    EXPECT_EQ(loaded.metadata.at("style"), "test");
    EXPECT_EQ(loaded.metadata.at("architecture"), "johnson2016");
    EXPECT_EQ(loaded.metadata.at("residual_blocks"), "3");
    torch::NoGradGuard no_grad;
    net->eval();
    const auto input = torch::rand({1, 3, 16, 24}) * 255;
    EXPECT_TRUE(torch::equal(net->forward(input), loaded.net->forward(input)));
}

TEST(TransformerNet, FastArchitectureRoundTripsThroughItsFile) {
    TempDir dir;
    TransformerNet fast(architecture_options("fast"));
    EXPECT_LT(count_parameters(*fast), 1679235 / 6);
    save_transformer_net(dir.path("fast.safetensors"), fast);
    auto loaded = load_transformer_net(dir.path("fast.safetensors"));
    EXPECT_EQ(architecture_spec(loaded.net->options()), kFastArchitecture);
    EXPECT_EQ(loaded.net->options().pixel_shuffle(), 2);
    EXPECT_EQ(loaded.metadata.at("outer_kernel"), "5");
    EXPECT_EQ(loaded.metadata.at("pixel_shuffle"), "2");
    torch::NoGradGuard no_grad;
    fast->eval();
    const auto input = torch::rand({1, 3, 24, 32}) * 255;
    const auto output = fast->forward(input);
    EXPECT_EQ(output.sizes(), input.sizes());
    EXPECT_TRUE(torch::equal(output, loaded.net->forward(input)));
    // Behind a ×2 shuffle, sides must be multiples of 8.
    EXPECT_THROW(fast->forward(torch::rand({1, 3, 20, 28})), Error);
}

TEST(TransformerNet, ArchitectureSpecsParseAndRoundTrip) {
    EXPECT_EQ(architecture_spec(architecture_options("full")), "c32-r5-k9-s1");
    const auto options = architecture_options("c24-r4-k3-s2");
    EXPECT_EQ(options.channels(), 24);
    EXPECT_EQ(options.residual_blocks(), 4);
    EXPECT_EQ(options.outer_kernel(), 3);
    EXPECT_EQ(options.pixel_shuffle(), 2);
    EXPECT_EQ(options.size_multiple(), 8);
    EXPECT_EQ(architecture_spec(options), "c24-r4-k3-s2");
    for (const char* bad : {"huge", "c16-r3-k5", "c16-r3-k5-s2x", "16-3-5-2", ""})
        EXPECT_THROW(architecture_options(bad), Error) << bad;
    EXPECT_THROW(TransformerNet(TransformerNetOptions().outer_kernel(4)), Error);
    EXPECT_THROW(TransformerNet(TransformerNetOptions().pixel_shuffle(5)), Error);
}

TEST(ModelFile, HalfPrecisionFilesLoadIntoFp32) {
    TempDir dir;
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    save_transformer_net(dir.path("h.safetensors"), net, {}, torch::kFloat16);
    save_transformer_net(dir.path("b.safetensors"), net, {}, torch::kBFloat16);
    EXPECT_EQ(read_safetensors_header(dir.path("h.safetensors")).tensors.at("in1.weight").dtype,
              "F16");
    for (const char* name : {"h.safetensors", "b.safetensors"}) {
        const auto loaded = load_transformer_net(dir.path(name));
        const auto weight = state_dict(*loaded.net).at("conv1.conv2d.weight");
        EXPECT_EQ(weight.scalar_type(), torch::kFloat32);
        EXPECT_TRUE(
            torch::allclose(weight, state_dict(*net).at("conv1.conv2d.weight"), 1e-2, 1e-2));
    }
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "(no error)";
}

TEST(ModelFile, WrongNamesShapesAndArchitecturesAreRejected) {
    TempDir dir;
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    auto tensors = state_dict(*net);

    auto renamed = tensors;
    renamed["conv1.weight"] = renamed.at("conv1.conv2d.weight");
    renamed.erase("conv1.conv2d.weight");
    write_safetensors(dir.path("renamed.safetensors"), renamed);
    EXPECT_NE(error_of([&] {
                  load_transformer_net(dir.path("renamed.safetensors"));
              }).find("renamed.safetensors: missing tensor 'conv1.conv2d.weight'"),
              std::string::npos);

    auto extra = tensors;
    extra["bogus.weight"] = torch::zeros({2});
    write_safetensors(dir.path("extra.safetensors"), extra);
    EXPECT_NE(error_of([&] {
                  load_transformer_net(dir.path("extra.safetensors"));
              }).find("unexpected tensor 'bogus.weight'"),
              std::string::npos);

    auto reshaped = tensors;
    reshaped["in2.weight"] = torch::zeros({5});
    write_safetensors(dir.path("reshaped.safetensors"), reshaped);
    EXPECT_NE(error_of([&] {
                  load_transformer_net(dir.path("reshaped.safetensors"));
              }).find("tensor 'in2.weight' has shape [5], expected [8]"),
              std::string::npos);

    write_safetensors(dir.path("vgg.safetensors"), tensors, {{"architecture", "vgg19"}});
    EXPECT_NE(error_of([&] {
                  load_transformer_net(dir.path("vgg.safetensors"));
              }).find("architecture 'vgg19' is not a transformer net"),
              std::string::npos);

    auto poisoned = tensors;
    poisoned["in1.bias"] = torch::full({4}, std::numeric_limits<float>::quiet_NaN());
    write_safetensors(dir.path("nan.safetensors"), poisoned);
    EXPECT_NE(error_of([&] { load_transformer_net(dir.path("nan.safetensors")); }).find("NaN"),
              std::string::npos);
}

TEST(ModelFile, RunningStatisticsOfOlderExportsAreIgnored) {
    TempDir dir;
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    auto tensors = state_dict(*net);
    tensors["in1.running_mean"] = torch::zeros({4});
    tensors["in1.running_var"] = torch::ones({4});
    write_safetensors(dir.path("old.safetensors"), tensors);
    EXPECT_NO_THROW(load_transformer_net(dir.path("old.safetensors")));
}

}  // namespace
}  // namespace stylecam
