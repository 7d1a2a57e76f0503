/// MicroAST: the published names and shapes, the layers' algebra (padding, modulation folding,
/// code mixing), file errors, and the whole network against outputs of an independent Python
/// implementation (tests/peers/microast_reference.py, Debian's python3-torch), committed in
/// tests/data/microast/ (lossless WebP).

#include "core/error.h"
#include "image/tensor_image.h"
#include "nets/microast.h"
#include "nets/norm_timeline.h"
#include "nets/state_dict.h"
#include "test_support.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

using testing::TempDir;

std::string microast_weights() { return testing::shared_dir() + "/weights/microast.safetensors"; }

std::string reference(const std::string& name) {
    return std::string(STYLECAM_SOURCE_DIR) + "/tests/data/microast/" + name;
}

/// The file a random network of width `channels` would be, with the published metadata.
std::map<std::string, torch::Tensor> random_file_tensors(int64_t channels) {
    torch::manual_seed(5);
    MicroAst net(MicroAstOptions().channels(channels));
    return state_dict(*net);
}

void write_microast(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                    const std::string& architecture = kMicroAstArchitecture) {
    write_safetensors(path, tensors, {{"architecture", architecture}, {"input_range", "0-1"}});
}

TEST(MicroAst, PublishedNamesAndSize) {
    MicroAst net;
    int64_t parameters = 0;
    for (const auto& p : net->parameters()) parameters += p.numel();
    EXPECT_EQ(parameters, 471987);  // "472 k parameters in all"
    const auto names = state_dict(*net);
    for (const char* name :
         {"content_encoder.enc1.0.conv_layer.weight", "style_encoder.enc1.10.conv2.conv_layer.bias",
          "content_encoder.enc2.0.conv1.conv_layer.weight", "modulator.bias2.0.conv_layer.weight",
          "decoder.dec2.conv1.conv_layer.weight", "decoder.dec3.10.conv_layer.bias"})
        EXPECT_EQ(names.count(name), 1u) << name;
    const auto file = microast_weights();
    if (!std::filesystem::exists(file)) return;
    const auto header = read_safetensors_header(file);
    ASSERT_EQ(header.tensors.size(), names.size());
    for (const auto& [name, info] : header.tensors) {
        ASSERT_EQ(names.count(name), 1u) << name;
        EXPECT_EQ(names.at(name).sizes().vec(), info.shape) << name;
    }
}

TEST(MicroAst, ReflectionPadMatchesLibTorchInEveryLayoutAndDtype) {
    const auto x = torch::rand({2, 5, 7, 9});
    for (int64_t pad : {1, 4}) {
        const auto expected = torch::reflection_pad2d(x, {pad, pad, pad, pad});
        const auto last = reflection_pad(x.contiguous(torch::MemoryFormat::ChannelsLast), pad);
        EXPECT_TRUE(last.is_contiguous(torch::MemoryFormat::ChannelsLast));
        EXPECT_TRUE(torch::equal(last, expected)) << pad;
        const auto bf16 = reflection_pad(x.to(torch::kBFloat16), pad);
        EXPECT_TRUE(torch::equal(bf16, expected.to(torch::kBFloat16))) << pad;
    }
    EXPECT_THROW(reflection_pad(x, 7), Error);
}

TEST(MicroAst, ReflectionPadWithReluPadsTheRectifiedMapInEveryLayoutAndDtype) {
    torch::manual_seed(3);
    const auto x = torch::randn({1, 4, 6, 8});
    for (int64_t pad : {0, 1, 4}) {
        const auto expected = torch::reflection_pad2d(torch::relu(x), {pad, pad, pad, pad});
        EXPECT_TRUE(torch::equal(reflection_pad(x, pad, /*relu=*/true), expected)) << pad;
        const auto last =
            reflection_pad(x.contiguous(torch::MemoryFormat::ChannelsLast), pad, /*relu=*/true);
        EXPECT_TRUE(torch::equal(last, expected)) << pad;
        const auto bf16 = reflection_pad(x.to(torch::kBFloat16), pad, /*relu=*/true);
        EXPECT_TRUE(torch::equal(bf16, expected.to(torch::kBFloat16))) << pad;
    }
}

TEST(MicroAst, ModulatedBlockIsTheWrittenOutFormula) {
    torch::NoGradGuard no_grad;
    torch::manual_seed(1);
    MicroAstResidual block(6);
    const auto x = torch::randn({1, 6, 10, 12});
    const auto w = torch::randn({1, 6, 1, 1}), b = torch::randn({1, 6, 1, 1});
    const auto params = state_dict(*block);
    const auto conv = [&](const std::string& name, const torch::Tensor& in) {
        return torch::conv2d(torch::reflection_pad2d(in, {1, 1, 1, 1}),
                             params.at(name + ".conv_layer.weight"),
                             params.at(name + ".conv_layer.bias"));
    };
    // h = w·conv1(x) + b·x; h = relu(h); out = x + w·conv2(h) + b·h
    const auto h = torch::relu(w * conv("conv1", x) + b * x);
    const auto expected = x + w * conv("conv2", h) + b * h;
    EXPECT_TRUE(torch::allclose(block->forward_modulated(x, w, b), expected, 1e-4, 1e-5));
    EXPECT_TRUE(torch::allclose(block->forward(x), x + conv("conv2", torch::relu(conv("conv1", x))),
                                1e-4, 1e-5));
}

TEST(MicroAst, SplitPairsIsTheSameGroupedConvolution) {
    torch::NoGradGuard no_grad;
    torch::manual_seed(21);
    const auto last = torch::MemoryFormat::ChannelsLast;
    for (const auto dtype : {torch::kFloat32, torch::kBFloat16}) {
        MicroAstConv conv(32, 16, 3, 1, 16);  // dec3.6's shape: two inputs per output
        conv->to(dtype);
        for (auto& parameter : conv->parameters())
            if (parameter.dim() == 4) parameter.set_data(parameter.contiguous(last));
        const auto padded =
            reflection_pad(torch::randn({1, 32, 12, 18}).to(dtype).contiguous(last), 1);
        const auto expected = conv->forward_padded(padded).to(torch::kFloat32);
        conv->set_split_pairs(true);
        const auto got = conv->forward_padded(padded).to(torch::kFloat32);
        ASSERT_EQ(got.sizes(), expected.sizes());
        // bf16: one more rounding (each product pair is rounded before it is added)
        const double bound =
            dtype == torch::kFloat32 ? 1e-5 : 0.02 * expected.abs().max().item<double>();
        EXPECT_LT((got - expected).abs().max().item<double>(), bound) << dtype;
        conv->set_split_pairs(false);
        EXPECT_TRUE(torch::equal(conv->forward_padded(padded).to(torch::kFloat32), expected));
    }
    MicroAstConv other(16, 32, 3, 2, 16);  // one input per group: not split
    const auto padded = reflection_pad(torch::randn({1, 16, 10, 10}), 1);
    const auto expected = other->forward_padded(padded);
    other->set_split_pairs(true);
    EXPECT_TRUE(torch::equal(other->forward_padded(padded), expected));
}

TEST(MicroAst, ChannelStatisticsUseTheUnbiasedVariancePlusEpsilon) {
    const auto x = torch::tensor({1.0f, 2.0f, 3.0f, 6.0f}).reshape({1, 1, 2, 2});
    const auto [mean, std] = channel_mean_std(x);
    EXPECT_FLOAT_EQ(mean.item<float>(), 3.0f);
    EXPECT_NEAR(std.item<float>(), std::sqrt(14.0 / 3.0 + 1e-5), 1e-6);
}

TEST(MicroAst, ChannelStatisticsAgreeWithVarMeanInEveryLayout) {
    torch::manual_seed(4);
    const auto x = torch::randn({2, 5, 7, 9}) * 3 + 1;
    const auto [var, expected_mean] = torch::var_mean(x, {2, 3}, /*unbiased=*/true, true);
    const auto expected_std = (var + 1e-5).sqrt();
    for (const auto& layout : {x, x.contiguous(torch::MemoryFormat::ChannelsLast)}) {
        const auto [mean, std] = channel_mean_std(layout);
        EXPECT_EQ(mean.sizes().vec(), (std::vector<int64_t>{2, 5, 1, 1}));
        EXPECT_TRUE(torch::allclose(mean, expected_mean, 1e-5, 1e-6));
        EXPECT_TRUE(torch::allclose(std, expected_std, 1e-5, 1e-6));
    }
}

MicroAstStyleCode constant_code(float value) {
    std::vector<torch::Tensor> parts;
    for (int i = 0; i < 8; ++i) parts.push_back(torch::full({1, 4, 1, 1}, value + i));
    return MicroAstStyleCode::from_tensors(parts);
}

TEST(MicroAst, MixedCodesAreTheNormalisedWeightedAverage) {
    const auto a = constant_code(0), b = constant_code(10);
    const auto mixed = mix_style_codes({a, b}, {3, 1});  // 0.75·a + 0.25·b
    for (int i = 0; i < 8; ++i)
        EXPECT_FLOAT_EQ(mixed.tensors()[i][0][0][0][0].item<float>(), 0.75f * i + 0.25f * (10 + i));
    EXPECT_TRUE(torch::equal(mix_style_codes({a}, {0.2}).mean2, a.mean2));
    EXPECT_THROW(mix_style_codes({a, b}, {1}), Error);
    EXPECT_THROW(mix_style_codes({a, b}, {0, 0}), Error);
    EXPECT_THROW(mix_style_codes({a, b}, {1, -1}), Error);
}

TEST(MicroAst, ShapesAndInputChecks) {
    torch::NoGradGuard no_grad;
    torch::manual_seed(2);
    MicroAst net(MicroAstOptions().channels(4));
    net->eval();
    const auto code = net->style_code(torch::rand({1, 3, 20, 17}));
    EXPECT_EQ(code.mean1.sizes(), (std::vector<int64_t>{1, 16, 1, 1}));
    EXPECT_EQ(net->forward(torch::rand({1, 3, 12, 20}), code, 1.0).sizes(),
              (std::vector<int64_t>{1, 3, 12, 20}));
    EXPECT_THROW(net->forward(torch::rand({1, 3, 10, 20}), code, 1.0), Error);
    EXPECT_THROW(net->forward(torch::rand({1, 3, 12, 20}), code, 1.5), Error);
    EXPECT_THROW(net->style_code(torch::rand({1, 3, 1, 1})), Error);
}

TEST(MicroAst, FileErrorsNameTheTensor) {
    TempDir dir;
    const auto good = random_file_tensors(4);
    write_microast(dir.path("ok.safetensors"), good);
    EXPECT_EQ(load_microast(dir.path("ok.safetensors")).net->options().channels(), 4);

    const auto message = [&](const std::map<std::string, torch::Tensor>& tensors,
                             const std::string& architecture = kMicroAstArchitecture) {
        const auto path = dir.path("bad.safetensors");
        write_microast(path, tensors, architecture);
        try {
            load_microast(path);
        } catch (const Error& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    auto missing = good;
    missing.erase("decoder.dec3.6.conv_layer.weight");
    EXPECT_NE(message(missing).find("missing tensor 'decoder.dec3.6.conv_layer.weight'"),
              std::string::npos)
        << message(missing);
    auto misshaped = good;
    misshaped["modulator.weight2.0.conv_layer.weight"] = torch::zeros({16, 1, 5, 5});
    EXPECT_NE(message(misshaped).find("'modulator.weight2.0.conv_layer.weight' has shape [16, 1, "
                                      "5, 5], expected [16, 1, 3, 3]"),
              std::string::npos)
        << message(misshaped);
    auto no_first = good;
    no_first.erase("content_encoder.enc1.0.conv_layer.weight");
    EXPECT_NE(message(no_first).find("content_encoder.enc1.0.conv_layer.weight"),
              std::string::npos);
    EXPECT_NE(message(good, "johnson2016").find("not MicroAST"), std::string::npos);
    EXPECT_NE(message(missing).find(dir.path("bad.safetensors") + ": "), std::string::npos);
}

// --- against the Python reference --------------------------------------------------------------

/// CV_8UC3 BGR → 1×3×H×W RGB 0..1, as the reference reads images.
torch::Tensor to_unit(const cv::Mat& bgr) { return image_to_tensor(bgr) / 255.0; }

cv::Mat read_resized(const std::string& path, cv::Size size) {
    const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
    if (image.size() == size) return image;
    cv::Mat resized;
    cv::resize(image, resized, size, 0, 0, cv::INTER_AREA);
    return resized;
}

/// The painting with its shorter side `shorter`, as the reference's style_tensor().
torch::Tensor painting(const std::string& path, int shorter) {
    const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
    const int w = image.cols, h = image.rows;
    const cv::Size size = w <= h
                              ? cv::Size(shorter, static_cast<int>(h * double(shorter) / w + 0.5))
                              : cv::Size(static_cast<int>(w * double(shorter) / h + 0.5), shorter);
    return to_unit(read_resized(path, size));
}

class MicroAstReference : public ::testing::Test {
  protected:
    void SetUp() override {
        STYLECAM_REQUIRE_FILE(microast_weights());
        STYLECAM_REQUIRE_FILE(testing::shared_dir() + "/paintings/udnie.jpg");
        STYLECAM_REQUIRE_FILE(testing::sample_data("home.jpg"));
        net_ = load_microast(microast_weights()).net;
    }
    cv::Mat output(const torch::Tensor& content, const MicroAstStyleCode& code) {
        return tensor_to_image(net_->forward(content, code, 1.0).clamp(0, 1) * 255);
    }
    std::string paintings_ = testing::shared_dir() + "/paintings/";
    MicroAst net_{nullptr};
    torch::NoGradGuard no_grad_;
};

// microast_reference.py apply W home.jpg udnie.jpg home_udnie.png --content-width 512
//   --style-size 512
TEST_F(MicroAstReference, HomeUdnieMatchesWithinTwoLevels) {
    const cv::Mat expected = cv::imread(reference("home_udnie.webp"));
    ASSERT_FALSE(expected.empty());
    const auto content = to_unit(read_resized(testing::sample_data("home.jpg"), expected.size()));
    const auto code = net_->style_code(painting(paintings_ + "udnie.jpg", 512));
    const auto diff = testing::pixel_difference(output(content, code), expected);
    EXPECT_LE(diff.max, 2.0);
    EXPECT_LE(diff.mean, 0.3);
}

// The temporal norm (nets/norm_timeline.h) on MicroAST's two AdaINs: frames that repeat give the
// picture bit for bit; a change in one corner moves the far side of the output much less than
// with each frame's own statistics (only the statistics reach that far).
TEST_F(MicroAstReference, VideoFramesCarryTheContentStatisticsOver) {
    const auto still = to_unit(read_resized(testing::sample_data("home.jpg"), {256, 192}));
    const auto code = net_->style_code(painting(paintings_ + "udnie.jpg", 256));
    const auto picture = net_->forward(still, code);
    NormTimeline timeline;  // the default smoothing, 0.9
    for (int64_t index = 0; index < 3; ++index) {
        NormFrame frame{&timeline, index};
        EXPECT_TRUE(torch::equal(net_->forward(still, code, 1.0, &frame), picture))
            << "frame " << index;
        EXPECT_EQ(frame.layer, 2);  // the decoder's two AdaINs
    }
    auto moved = still.clone();
    moved.narrow(2, 0, 24).narrow(3, 0, 24).fill_(1);  // a white 24×24 corner
    const auto far = [](const torch::Tensor& image) {
        return image.narrow(2, 132, 60).narrow(3, 176, 80);
    };
    const double alone =
        (far(net_->forward(moved, code)) - far(picture)).abs().mean().item<double>();
    NormFrame next{&timeline, 3};
    const double carried =
        (far(net_->forward(moved, code, 1.0, &next)) - far(picture)).abs().mean().item<double>();
    EXPECT_GT(alone, 1.0 / 255);
    EXPECT_LT(carried, 0.4 * alone) << "alone " << alone << ", carried " << carried;
    EXPECT_EQ(timeline.cuts(), 0);
}

// microast_reference.py apply W building.jpg candy.jpg:0.7,mosaic.jpg:0.3
//   building_candy_mosaic.png --content-width 512 --style-size 384 --strength 0.6
// (strength: the code moves towards the content's own code; see stylize/microast_style_network)
TEST_F(MicroAstReference, MixedStylesAtPartStrengthMatchWithinTwoLevels) {
    const cv::Mat expected = cv::imread(reference("building_candy_mosaic.webp"));
    ASSERT_FALSE(expected.empty());
    const auto content =
        to_unit(read_resized(testing::sample_data("building.jpg"), expected.size()));
    const auto style = mix_style_codes({net_->style_code(painting(paintings_ + "candy.jpg", 384)),
                                        net_->style_code(painting(paintings_ + "mosaic.jpg", 384))},
                                       {0.7, 0.3});
    const auto code = mix_style_codes({style, net_->style_code(content)}, {0.6, 0.4});
    const auto diff = testing::pixel_difference(output(content, code), expected);
    EXPECT_LE(diff.max, 2.0);
    EXPECT_LE(diff.mean, 0.3);
}

TEST_F(MicroAstReference, ChannelsLastIsTheSameNetworkAndBf16StaysClose) {
    const cv::Mat expected = cv::imread(reference("home_udnie.webp"));
    const auto content = to_unit(read_resized(testing::sample_data("home.jpg"), expected.size()));
    const auto style = painting(paintings_ + "udnie.jpg", 512);
    net_->set_run_options({torch::kFloat32, /*channels_last=*/true});
    auto diff = testing::pixel_difference(output(content, net_->style_code(style)), expected);
    EXPECT_LE(diff.max, 2.0);
    EXPECT_LE(diff.mean, 0.3);
    net_->set_run_options({torch::kBFloat16, /*channels_last=*/true});
    diff = testing::pixel_difference(output(content, net_->style_code(style)), expected);
    EXPECT_LE(diff.mean, 3.0) << "bf16 max " << diff.max;
}

}  // namespace
}  // namespace stylecam
