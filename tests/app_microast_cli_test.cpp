/// `stylecam stylize --style-image / --style-mix / --style-size` as a user runs it: photo, folder
/// and video with a painting (and `eval` of its flicker), and bad paintings or weights as one
/// stderr line with a non-zero exit and no output. A tiny random MicroAST stands in for the
/// published weights.

#include "nets/microast.h"
#include "nets/model_file.h"
#include "nets/state_dict.h"
#include "test_support.h"
#include "video/video_file.h"

#include <opencv2/imgcodecs.hpp>

namespace stylecam {
namespace {

using testing::run_stylecam;
using testing::TempDir;

std::string quote(const std::string& text) { return "'" + text + "'"; }

class PaintingCli : public ::testing::Test {
  protected:
    void SetUp() override {
        tensors_ = testing::random_microast(4, 12);
        write_safetensors(dir_.path("microast.safetensors"), tensors_,
                          {{"architecture", kMicroAstArchitecture}});
        cv::imwrite(dir_.path("painting.png"), testing::smooth_noise(40, 52, 4));
        cv::imwrite(dir_.path("other.png"), testing::smooth_noise(36, 36, 5));
        cv::imwrite(dir_.path("photo.png"), testing::smooth_noise(30, 41, 6));
    }
    std::string path(const std::string& name) const { return quote(dir_.path(name)); }
    std::string stylize(const std::string& rest) const {
        return "stylize --model " + path("microast.safetensors") + " --style-size 32 " + rest;
    }
    void expect_clean_failure(const std::string& arguments, const std::string& fragment,
                              const std::string& output) {
        const auto result = run_stylecam(arguments);
        EXPECT_NE(result.exit_code, 0) << arguments;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
            << arguments << "\nstderr:\n"
            << result.err;
        EXPECT_NE(result.err.find(fragment), std::string::npos)
            << arguments << "\nstderr: " << result.err << "expected: " << fragment;
        EXPECT_EQ(result.err.rfind("stylecam: error: ", 0), 0u) << result.err;
        EXPECT_FALSE(std::filesystem::exists(output)) << output;
    }
    TempDir dir_;
    std::map<std::string, torch::Tensor> tensors_;
};

TEST_F(PaintingCli, PhotoWithAPaintingAStrengthAndAMix) {
    auto result = run_stylecam(stylize("--style-image " + path("painting.png") + " -i " +
                                       path("photo.png") + " -o " + path("out.png")));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(cv::imread(dir_.path("out.png")).size(), cv::Size(41, 30));
    EXPECT_NE(result.out.find("painting painting"), std::string::npos) << result.out;

    result = run_stylecam(stylize("--style-mix " + path("painting.png") + ":0.7," +
                                  path("other.png") + ":0.3 --strength 0.5 -i " +
                                  path("photo.png") + " -o " + path("mix.png")));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("painting 70% + other 30%"), std::string::npos) << result.out;
    EXPECT_EQ(cv::imread(dir_.path("mix.png")).size(), cv::Size(41, 30));

    // A random network barely depends on the painting: the published one shows the mix.
    const auto real = testing::shared_dir() + "/weights/microast.safetensors";
    if (!std::filesystem::exists(real)) return;
    const auto with_real = [&](const std::string& style, const std::string& output) {
        return run_stylecam("stylize --model " + quote(real) + " " + style + " -i " +
                            path("photo.png") + " -o " + path(output))
            .exit_code;
    };
    ASSERT_EQ(with_real("--style-image " + path("painting.png"), "real.png"), 0);
    ASSERT_EQ(
        with_real("--style-mix " + path("painting.png") + ":0.7," + path("other.png") + ":0.3",
                  "real_mix.png"),
        0);
    EXPECT_GT(cv::norm(cv::imread(dir_.path("real_mix.png")), cv::imread(dir_.path("real.png")),
                       cv::NORM_INF),
              2);
}

TEST_F(PaintingCli, FolderAndVideo) {
    std::filesystem::create_directories(dir_.path("in"));
    cv::imwrite(dir_.path("in/a.png"), testing::smooth_noise(20, 24, 7));
    cv::imwrite(dir_.path("in/b.jpg"), testing::smooth_noise(33, 17, 8));
    auto result = run_stylecam(stylize("--style-image " + path("painting.png") + " -i " +
                                       path("in") + " -o " + path("out")));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(cv::imread(dir_.path("out/b.jpg")).size(), cv::Size(17, 33));

    {
        VideoWriter writer(dir_.path("clip.avi"), cv::Size(48, 36), 10.0);
        for (int i = 0; i < 4; ++i) writer.write(testing::smooth_noise(36, 48, 20 + i));
    }
    result = run_stylecam(stylize("--style-image " + path("painting.png") + " -i " +
                                  path("clip.avi") + " -o " + path("clip_out.avi")));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    VideoReader reader(dir_.path("clip_out.avi"));
    EXPECT_EQ(reader.info().size, cv::Size(48, 36));
    int frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    EXPECT_EQ(frames, 4);
}

TEST_F(PaintingCli, EvalMeasuresThePaintingsFlickerOnAVideo) {
    {
        VideoWriter writer(dir_.path("clip.avi"), cv::Size(48, 36), 10.0);
        const cv::Mat texture = testing::smooth_noise(40, 60, 9);
        for (int i = 0; i < 5; ++i) writer.write(texture(cv::Rect(10 - 2 * i, 2, 48, 36)));
    }
    const auto result = run_stylecam("eval --model " + path("microast.safetensors") +
                                     " --style-size 32 " + "--style-image " + path("painting.png") +
                                     " -i " + path("clip.avi") + " --size native");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* text : {"5 frames at 48x36", "temporal norm 0.90", "input (the floor)",
                             "model microast.safetensors"})
        EXPECT_NE(result.out.find(text), std::string::npos) << text << "\n" << result.out;
    expect_clean_failure("eval -i " + path("clip.avi"), "--model is needed", dir_.path("none"));
}

// A painting baked into a student: `distill --style-image` takes MicroAST with the painting as
// its teacher; `eval --reference-style-image` measures the student against it.
TEST_F(PaintingCli, DistillBakesAPaintingIntoAStudentAndEvalComparesThem) {
    std::filesystem::create_directories(dir_.path("photos"));
    for (int i = 0; i < 3; ++i)
        cv::imwrite(dir_.path("photos/p" + std::to_string(i) + ".png"),
                    testing::smooth_noise(40, 48, 30 + i));
    const auto result = run_stylecam(
        "distill --teacher " + path("microast.safetensors") + " --style-image " +
        path("painting.png") + " --style-size 32 --data " + path("photos") + " --output " +
        path("baked.safetensors") + " --arch c4-r1-k3-s1 --image-size 32 --batch 2 --steps 4");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE((result.out + result.err).find("microast.safetensors with painting.png at 32 px"),
              std::string::npos)
        << result.out << result.err;
    const auto metadata = load_transformer_net(dir_.path("baked.safetensors")).metadata;
    EXPECT_EQ(metadata.at("style"), "painting");
    EXPECT_EQ(metadata.at("teacher"), "microast.safetensors with painting.png at 32 px");

    testing::write_tiny_vgg(dir_.path("vgg.safetensors"));
    const auto eval = run_stylecam("eval -m " + path("baked.safetensors") + " -r " +
                                   path("microast.safetensors") + " --reference-style-image " +
                                   path("painting.png") + " --style-size 32 -i " +
                                   path("photo.png") + " --vgg " + path("vgg.safetensors"));
    ASSERT_EQ(eval.exit_code, 0) << eval.err;
    for (const char* text : {"TEXTURE", "photo.png", "MEAN"})
        EXPECT_NE(eval.out.find(text), std::string::npos) << text << "\n" << eval.out;

    expect_clean_failure("distill --teacher " + path("microast.safetensors") + " --style-image " +
                             path("missing.png") + " --data " + path("photos") + " --output " +
                             path("never.safetensors") + " --steps 2",
                         "missing.png: file not found", dir_.path("never.safetensors"));
    expect_clean_failure("distill --data " + path("photos") + " --output " +
                             path("never.safetensors") + " --steps 2",
                         "--teacher is needed", dir_.path("never.safetensors"));
}

TEST_F(PaintingCli, BadPaintingsAndWeights) {
    const auto out = dir_.path("never.png");
    const auto run = [&](const std::string& painting) {
        return stylize("--style-image " + painting + " -i " + path("photo.png") + " -o " +
                       quote(out));
    };
    testing::write_text(dir_.path("text.jpg"), "hello");
    expect_clean_failure(run(path("text.jpg")), dir_.path("text.jpg") + ": cannot decode", out);
    cv::imwrite(dir_.path("dot.png"), cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(9)));
    expect_clean_failure(run(path("dot.png")), "1×1 pixels", out);
    expect_clean_failure(run(path("missing.jpg")), "missing.jpg: file not found", out);
    expect_clean_failure(stylize("--style-mix " + path("painting.png") + ":-2 -i " +
                                 path("photo.png") + " -o " + quote(out)),
                         "weight must be a positive number", out);
    expect_clean_failure(
        stylize("--style-image " + path("painting.png") + " --style-mix " + path("other.png") +
                " -i " + path("photo.png") + " -o " + quote(out)),
        "give one of them", out);

    auto broken = tensors_;
    broken.erase("decoder.dec1.conv2.conv_layer.bias");
    write_safetensors(dir_.path("broken.safetensors"), broken,
                      {{"architecture", kMicroAstArchitecture}});
    expect_clean_failure("stylize --model " + path("broken.safetensors") + " --style-image " +
                             path("painting.png") + " -i " + path("photo.png") + " -o " +
                             quote(out),
                         "missing tensor 'decoder.dec1.conv2.conv_layer.bias'", out);
    // A painting with a trained style, and MicroAST without a painting.
    TransformerNet trained(TransformerNetOptions().channels(4).residual_blocks(1));
    save_transformer_net(dir_.path("trained.safetensors"), trained);
    expect_clean_failure("stylize --model " + path("trained.safetensors") + " --style-image " +
                             path("painting.png") + " -i " + path("photo.png") + " -o " +
                             quote(out),
                         "arbitrary-style network", out);
    expect_clean_failure("stylize --model " + path("microast.safetensors") + " -i " +
                             path("photo.png") + " -o " + quote(out),
                         "needs a painting (--style-image)", out);
}

TEST_F(PaintingCli, HugePaintingIsResizedWithAMessage) {
    cv::imwrite(dir_.path("huge.png"), cv::Mat(600, 8000, CV_8UC3, cv::Scalar(30, 90, 200)));
    const auto result = run_stylecam(stylize("--style-image " + path("huge.png") + " -i " +
                                             path("photo.png") + " -o " + path("out.png")));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE((result.out + result.err).find("8000×600 pixels; encoded at"), std::string::npos)
        << result.out << result.err;
}

TEST_F(PaintingCli, WeightsFromTheEnvironmentOrAModelsFolder) {
    const auto base = "stylize --style-size 32 --style-image " + path("painting.png") + " -i " +
                      path("photo.png") + " -o ";
    auto result = testing::run_shell("STYLECAM_MICROAST=" + path("microast.safetensors") + " " +
                                     std::string(STYLECAM_EXE) + " " + base + path("env.png"));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    result = run_stylecam(base + path("folder.png") + " --models " + path(""));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto listing = run_stylecam("models --models " + path(""));
    EXPECT_NE(listing.out.find("microast (4ch; any painting"), std::string::npos) << listing.out;
}

}  // namespace
}  // namespace stylecam
