#include "core/error.h"
#include "image/tensor_image.h"
#include "nets/vgg19_features.h"
#include "optimize/gatys_optimizer.h"
#include "test_support.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

namespace stylecam {
namespace {

using testing::TempDir;

using testing::tiny_vgg;

SafeTensors caffe_vgg() { return tiny_vgg(); }

TEST(Vgg19Features, PreprocessingFollowsTheCaffeConvention) {
    Vgg19Features vgg(caffe_vgg(), "caffe.safetensors");
    const auto rgb = torch::tensor({0.2f, 0.5f, 1.0f}).view({1, 3, 1, 1});
    const auto out = vgg->preprocess(rgb);
    // BGR order, 0..255, mean subtracted: B = 255 − 103.939, G = 127.5 − 116.779, R = 51 − 123.68
    EXPECT_NEAR(out[0][0][0][0].item<float>(), 255.0 - 103.939, 1e-3);
    EXPECT_NEAR(out[0][1][0][0].item<float>(), 127.5 - 116.779, 1e-3);
    EXPECT_NEAR(out[0][2][0][0].item<float>(), 51.0 - 123.68, 1e-3);
}

TEST(Vgg19Features, PreprocessingFollowsTheTorchvisionConvention) {
    Vgg19Features vgg(tiny_vgg("RGB", "0-1", "0.485,0.456,0.406", "0.229,0.224,0.225"),
                      "tv.safetensors");
    const auto rgb = torch::tensor({0.2f, 0.5f, 1.0f}).view({1, 3, 1, 1});
    const auto out = vgg->preprocess(rgb);
    EXPECT_NEAR(out[0][0][0][0].item<float>(), (0.2 - 0.485) / 0.229, 1e-5);
    EXPECT_NEAR(out[0][1][0][0].item<float>(), (0.5 - 0.456) / 0.224, 1e-5);
    EXPECT_NEAR(out[0][2][0][0].item<float>(), (1.0 - 0.406) / 0.225, 1e-5);
}

TEST(Vgg19Features, LayersShapesAndDepthErrors) {
    Vgg19Features vgg(caffe_vgg(), "caffe.safetensors");
    EXPECT_EQ(vgg->deepest_conv(), "conv3_1");
    const auto features =
        vgg->forward(torch::rand({1, 3, 32, 48}), {"relu1_1", "conv2_2", "relu3_1"});
    EXPECT_EQ(features.at("relu1_1").sizes(), (std::vector<int64_t>{1, 64, 32, 48}));
    EXPECT_EQ(features.at("conv2_2").sizes(), (std::vector<int64_t>{1, 128, 16, 24}));
    EXPECT_EQ(features.at("relu3_1").sizes(), (std::vector<int64_t>{1, 256, 8, 12}));
    EXPECT_LT(features.at("conv2_2").min().item<float>(), 0.0f);  // before the ReLU
    EXPECT_GE(features.at("relu3_1").min().item<float>(), 0.0f);
    try {
        vgg->forward(torch::rand({1, 3, 32, 32}), {"relu4_2"});
        FAIL();
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what())
                      .find("relu4_2 needs conv4_2, but caffe.safetensors stops at conv3_1"),
                  std::string::npos)
            << error.what();
    }
    EXPECT_THROW(vgg->forward(torch::rand({1, 3, 8, 8}), {"relu9_1"}), Error);
    EXPECT_THROW(parse_vgg_layer("relu1_3"), Error);
    EXPECT_THROW(parse_vgg_layer("pool1"), Error);
    EXPECT_EQ(parse_vgg_layer("relu5_4").index, 15);
}

TEST(Vgg19Features, RefusesFilesWithoutMetadataOrWithWrongShapes) {
    auto contents = caffe_vgg();
    contents.metadata.erase("input_mean");
    try {
        Vgg19Features vgg(contents, "nometa.safetensors");
        FAIL();
    } catch (const Error& error) {
        EXPECT_NE(
            std::string(error.what()).find("nometa.safetensors: VGG weights without 'input_mean'"),
            std::string::npos);
    }
    contents = caffe_vgg();
    contents.tensors["features.2.weight"] = torch::zeros({64, 64, 5, 5});
    EXPECT_THROW(Vgg19Features(contents, "shapes.safetensors"), Error);
    contents = caffe_vgg();
    contents.tensors["classifier.0.weight"] = torch::zeros({2, 2});
    EXPECT_THROW(Vgg19Features(contents, "extra.safetensors"), Error);
}

TEST(GatysLoss, GradientMatchesFiniteDifferences) {
    torch::manual_seed(3);
    Vgg19Features vgg(caffe_vgg(), "caffe.safetensors");
    vgg->to(torch::kDouble);
    const auto content = torch::rand({1, 3, 8, 8}, torch::kDouble);
    const auto style = torch::rand({1, 3, 8, 8}, torch::kDouble);
    const std::vector<std::string> content_layers = {"relu2_2"},
                                   style_layers = {"relu1_1", "relu2_1"};
    std::map<std::string, torch::Tensor> content_targets, style_targets;
    {
        torch::NoGradGuard no_grad;
        content_targets = vgg->forward(content, content_layers);
        for (auto& [name, feature] : vgg->forward(style, style_layers))
            style_targets[name] = gram_matrix(feature);
    }
    const LossWeights weights{1.0, 100.0, 10.0};
    const auto total = [&](const torch::Tensor& x) {
        auto features = vgg->forward(x, {"relu2_2", "relu1_1", "relu2_1"});
        return combine_losses(content_loss(features, content_targets),
                              style_loss(features, style_targets, {{"relu2_1", 0.5}}), tv_loss(x),
                              weights)
            .total;
    };
    auto x = (content * 0.5 + 0.25).detach().requires_grad_(true);
    total(x).backward();
    const auto gradient = x.grad().clone();
    torch::NoGradGuard no_grad;
    const double h = 1e-6;
    for (int trial = 0; trial < 6; ++trial) {
        const int c = trial % 3, y = (trial * 3) % 8, xx = (trial * 5 + 1) % 8;
        auto plus = x.detach().clone(), minus = x.detach().clone();
        plus[0][c][y][xx] += h;
        minus[0][c][y][xx] -= h;
        const double numeric = (total(plus).item<double>() - total(minus).item<double>()) / (2 * h);
        EXPECT_NEAR(gradient[0][c][y][xx].item<double>(), numeric,
                    1e-4 * std::max(1.0, std::abs(numeric)))
            << "pixel " << c << "," << y << "," << xx;
    }
}

/// Auto and an explicit bf16 give bf16 only on a CPU that computes it natively (run again under
/// the AVX2 caps by precision_tests_under_avx2_caps, where they must give fp32), never on CUDA;
/// fp16 is refused.
TEST(PrecisionLossNetwork, Bf16OnlyWhereTheCpuComputesItNatively) {
    const torch::Device cpu(torch::kCPU), cuda(torch::kCUDA);
    const Precision native = cpu_has_native_bf16() ? Precision::Bf16 : Precision::Fp32;
    EXPECT_EQ(resolve_loss_precision(Precision::Auto, cpu), native);
    EXPECT_EQ(resolve_loss_precision(Precision::Bf16, cpu), native);
    EXPECT_EQ(resolve_loss_precision(Precision::Fp32, cpu), Precision::Fp32);
    EXPECT_EQ(resolve_loss_precision(Precision::Auto, cuda), Precision::Fp32);
    EXPECT_THROW(resolve_loss_precision(Precision::Fp16, cpu), Error);
    EXPECT_EQ(loss_precision_warning(Precision::Bf16, cpu).empty(), cpu_has_native_bf16());
    EXPECT_TRUE(loss_precision_warning(Precision::Auto, cpu).empty());
    EXPECT_FALSE(loss_precision_warning(Precision::Bf16, cuda).empty());
}

/// In bf16 the features come back as fp32 and stay close to the fp32 ones: Gram matrices within
/// 3 %, and the gradient a loss sends to the image points the same way (cosine > 0.99). Where
/// bf16 is not native the loss network runs in fp32, and the two agree exactly.
TEST(PrecisionLossNetwork, Bf16FeaturesAndGradientsFollowFp32) {
    torch::manual_seed(5);
    Vgg19Features vgg(caffe_vgg(), "caffe.safetensors");
    const auto image = torch::rand({1, 3, 32, 32});
    const std::vector<std::string> layers = {"relu1_1", "relu2_1", "relu2_2"};
    const auto run = [&](Precision precision) {
        vgg->set_precision(resolve_loss_precision(precision, torch::kCPU));
        auto x = image.clone().requires_grad_(true);
        const auto features = vgg->forward(x, layers);
        torch::Tensor loss = torch::zeros({});
        std::map<std::string, torch::Tensor> grams;
        for (const auto& [name, feature] : features) {
            EXPECT_EQ(feature.scalar_type(), torch::kFloat) << name;
            grams[name] = gram_matrix(feature).detach();
            loss = loss + gram_matrix(feature).square().sum();
        }
        loss.backward();
        return std::make_pair(grams, x.grad().flatten());
    };
    const auto [grams32, gradient32] = run(Precision::Fp32);
    const auto [grams16, gradient16] = run(Precision::Bf16);
    for (const auto& name : layers) {
        const double relative =
            ((grams16.at(name) - grams32.at(name)).norm() / grams32.at(name).norm()).item<double>();
        EXPECT_LT(relative, 0.03) << name;
        if (!cpu_has_native_bf16()) {
            EXPECT_EQ(relative, 0.0) << name;
        }
    }
    const double cosine =
        (gradient16.dot(gradient32) / (gradient16.norm() * gradient32.norm())).item<double>();
    EXPECT_GT(cosine, 0.99);
}

cv::Mat pattern(int rows, int cols, int seed) { return testing::smooth_noise(rows, cols, seed); }

TEST(GatysOptimizer, FiveIterationsLowerTheLossAndReportEveryIteration) {
    GatysOptions options;
    options.scales = {32};
    options.iterations = 5;
    for (auto kind : {OptimizerKind::Lbfgs, OptimizerKind::Adam}) {
        options.optimizer = kind;
        GatysOptimizer optimizer(Vgg19Features(caffe_vgg(), "caffe.safetensors"), options);
        std::vector<int> reported;
        GatysCallbacks callbacks;
        callbacks.on_report = [&](const IterationReport& entry) {
            reported.push_back(entry.iteration);
        };
        const auto result = optimizer.run(pattern(24, 32, 1), pattern(40, 30, 2), callbacks);
        ASSERT_EQ(result.history.size(), 6u);
        EXPECT_EQ(reported, (std::vector<int>{0, 1, 2, 3, 4, 5}));
        EXPECT_DOUBLE_EQ(result.history[0].content, 0.0);  // init = content
        EXPECT_LT(result.history.back().total, result.history.front().total);
        EXPECT_EQ(result.image.size(), cv::Size(32, 24));
    }
}

TEST(GatysOptimizer, StopKeepsTheBestImageAndMultiScaleGrows) {
    GatysOptions options;
    options.scales = {24, 48};
    options.iterations = 3;
    GatysOptimizer optimizer(Vgg19Features(caffe_vgg(), "caffe.safetensors"), options);
    auto result = optimizer.run(pattern(30, 40, 3), pattern(30, 30, 4));
    EXPECT_EQ(result.image.size(), cv::Size(48, 36));
    ASSERT_EQ(result.history.size(), 8u);  // 2 passes × (initial + 3)
    EXPECT_EQ(result.history[4].scale, 48);
    EXPECT_EQ(result.history[4].iteration, 0);
    // Ctrl-C (the stop flag) after the first iteration: the best image so far comes back.
    std::atomic<bool> stop{false};
    GatysCallbacks callbacks;
    callbacks.stop = &stop;
    callbacks.on_report = [&](const IterationReport& entry) { stop = entry.iteration >= 1; };
    options.scales = {32};
    options.iterations = 50;
    GatysOptimizer stopping(Vgg19Features(caffe_vgg(), "caffe.safetensors"), options);
    result = stopping.run(pattern(24, 32, 1), pattern(24, 32, 2), callbacks);
    EXPECT_TRUE(result.stopped);
    EXPECT_LE(result.history.size(), 4u);
    EXPECT_FALSE(result.image.empty());
}

TEST(GatysOptimizer, RejectsBadOptions) {
    GatysOptions options;
    options.iterations = -1;
    EXPECT_THROW(validate(options), Error);
    options = {};
    options.scales = {0};
    EXPECT_THROW(validate(options), Error);
    options = {};
    options.content_layers = {{"relu4_2"}};
    EXPECT_THROW(GatysOptimizer(Vgg19Features(caffe_vgg(), "caffe.safetensors"), options), Error);
    EXPECT_THROW(parse_layer_list("relu1_1,bogus"), Error);
    EXPECT_THROW(parse_layer_list("relu1_1:abc"), Error);
    const auto layers = parse_layer_list("relu1_1,relu2_1:0.5");
    EXPECT_EQ(layers[1].weight, 0.5);
    EXPECT_EQ(to_string(layers), "relu1_1,relu2_1:0.5");
}

/// The figure below was computed with tests/peers/pytorch_gatys.py (Debian's python3-torch) on
/// the same inputs: `pytorch_gatys.py losses <vgg> fruits_256.png starry_night_256.png relu2_2
/// relu1_1,relu2_1,relu3_1` → {"content": 0.0, "style": 61238.54296875, ...}, with both images
/// resized beforehand by OpenCV (INTER_AREA) to a longer side of 256 px.
TEST(GatysOptimizer, InitialLossesMatchPyTorch) {
    const auto vgg_file = testing::shared_dir() + "/weights/vgg19-conv1_1-conv3_4.safetensors";
    STYLECAM_REQUIRE_FILE(vgg_file);
    STYLECAM_REQUIRE_FILE(testing::sample_data("fruits.jpg"));
    TempDir dir;
    const auto content_path = dir.path("fruits_256.png"),
               style_path = dir.path("starry_night_256.png");
    cv::imwrite(content_path,
                resize_longer_side(cv::imread(testing::sample_data("fruits.jpg")), 256));
    cv::imwrite(style_path,
                resize_longer_side(cv::imread(testing::sample_data("starry_night.jpg")), 256));
    const auto result = testing::run_stylecam(
        "optimize -c " + content_path + " -s " + style_path + " -o " + dir.path("out.png") +
        " --vgg " + vgg_file +
        " --size 256 --content-layers relu2_2 --style-layers relu1_1,relu2_1,relu3_1 " +
        "--init content --iterations 0 --precision fp32 --report-json " + dir.path("report.json"));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::ifstream in(dir.path("report.json"));
    const auto report = nlohmann::json::parse(in);
    ASSERT_EQ(report["iterations"].size(), 1u);
    const auto& first = report["iterations"][0];
    EXPECT_EQ(first["iteration"], 0);
    EXPECT_EQ(first["content"].get<double>(), 0.0);
    EXPECT_NEAR(first["style"].get<double>(), 61238.54296875, 61238.54296875 * 1e-3);
    EXPECT_TRUE(report.contains("seconds"));
}

TEST(OptimizeCli, BadInputsAreOneLine) {
    TempDir dir;
    cv::imwrite(dir.path("c.png"), pattern(20, 20, 1));
    write_safetensors(dir.path("vgg.safetensors"), caffe_vgg().tensors, caffe_vgg().metadata);
    write_safetensors(dir.path("nometa.safetensors"), caffe_vgg().tensors, {});
    const std::string base = "optimize -c " + dir.path("c.png") + " -o " + dir.path("o.png") + " ";
    const std::string vgg = " --vgg " + dir.path("vgg.safetensors");
    const struct {
        std::string arguments, fragment;
    } cases[] = {
        {base + "-s " + dir.path("missing.jpg") + vgg, "missing.jpg: file not found"},
        {base + "-s " + dir.path("c.png") + " --vgg " + dir.path("nometa.safetensors"),
         "VGG weights without 'input_color_order'"},
        {base + "-s " + dir.path("c.png") + vgg + " --style-layers relu1_1,nope",
         "unknown VGG19 layer 'nope'"},
        {base + "-s " + dir.path("c.png") + vgg + " --content-layers relu4_2",
         "relu4_2 is deeper than"},
        {base + "-s " + dir.path("c.png") + vgg + " --size 0",
         "--size/--scales must be in 16..8192 px"},
        {base + "-s " + dir.path("c.png") + vgg + " --iterations -3", "--iterations must be ≥ 0"},
    };
    for (const auto& test_case : cases) {
        const auto result = testing::run_stylecam(test_case.arguments);
        EXPECT_EQ(result.exit_code, 1) << test_case.arguments;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_NE(result.err.find(test_case.fragment), std::string::npos) << result.err;
        EXPECT_FALSE(std::filesystem::exists(dir.path("o.png")));
    }
}

}  // namespace
}  // namespace stylecam
