/// `--stabilize` as a user runs it: `stylize` of a video, stabilized by default (frames kept, the
/// first one unblended, the later ones steadier than with `--stabilize 0`), `eval` (a stabilized
/// row beside the model's, stylize's by default), and the one-line errors.

#include "image/warp_error.h"
#include "nets/model_file.h"
#include "test_support.h"
#include "video/video_file.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace stylecam {
namespace {

using testing::run_stylecam;
using testing::TempDir;

std::string quote(const std::string& text) { return "'" + text + "'"; }

class StabilizeCli : public ::testing::Test {
  protected:
    void SetUp() override {
        model_ = std::string(STYLECAM_PROJECT_MODELS_DIR) + "/candy.safetensors";
        // A textured pattern moving 2 px a frame to the right, 96×72.
        const cv::Mat texture = testing::smooth_noise(100, 160, 4);
        VideoWriter writer(dir_.path("moving.avi"), cv::Size(96, 72), 10.0);
        for (int i = 0; i < 10; ++i) writer.write(texture(cv::Rect(40 - 2 * i, 10, 96, 72)));
    }
    std::vector<cv::Mat> read_frames(const std::string& path) {
        VideoReader reader(path);
        std::vector<cv::Mat> frames;
        cv::Mat frame;
        while (reader.read(frame)) frames.push_back(frame.clone());
        return frames;
    }
    std::string model_;
    TempDir dir_;
};

TEST_F(StabilizeCli, StylizeStabilizesAVideoAfterItsFirstFrameByDefault) {
    STYLECAM_REQUIRE_FILE(model_);
    const std::string common =
        "stylize -m " + quote(model_) + " -i " + quote(dir_.path("moving.avi")) + " --device cpu";
    const auto plain =
        run_stylecam(common + " -o " + quote(dir_.path("plain.avi")) + " --stabilize 0");
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ((plain.out + plain.err).find("stabilized"), std::string::npos) << plain.err;
    const auto steady = run_stylecam(common + " -o " + quote(dir_.path("steady.avi")));
    ASSERT_EQ(steady.exit_code, 0) << steady.err;
    EXPECT_NE((steady.out + steady.err).find("stabilized: strength 0.80, fast flow"),
              std::string::npos)
        << steady.out << steady.err;
    const auto alone = run_stylecam(common + " -o " + quote(dir_.path("alone.avi")) +
                                    " --stabilize --stabilize-flow medium");
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    EXPECT_NE((alone.out + alone.err).find("stabilized: strength 0.80, medium flow"),
              std::string::npos)
        << alone.out << alone.err;
    const auto a = read_frames(dir_.path("plain.avi")), b = read_frames(dir_.path("steady.avi"));
    ASSERT_EQ(a.size(), 10u);
    ASSERT_EQ(b.size(), 10u);
    EXPECT_EQ(cv::norm(a[0], b[0], cv::NORM_INF), 0.0) << "the first frame is not blended";
    EXPECT_GT(cv::norm(a[5], b[5], cv::NORM_L1) / a[5].total(), 0.1) << "later frames are";
    // Steadier, by the measure of `eval` (on the decoded files, the input's flow).
    const auto input = read_frames(dir_.path("moving.avi"));
    EXPECT_LT(warp_error(input, b), warp_error(input, a));
}

TEST_F(StabilizeCli, EvalReportsTheStabilizedRows) {
    STYLECAM_REQUIRE_FILE(model_);
    const auto result =
        run_stylecam("eval -m " + quote(model_) + " -i " + quote(dir_.path("moving.avi")) +
                     " --size native --device cpu --stabilize 0.5,0.8");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    // The warp error after a row's label (NaN when the row is missing).
    const auto value = [&](const std::string& label) {
        const auto at = result.out.find(label);
        double number = std::nan("");
        if (at != std::string::npos)
            std::sscanf(result.out.c_str() + at + label.size(), "%lf", &number);
        return number;
    };
    const double model = value("model candy.safetensors");
    const double half = value("model + stabilize 0.50 (fast, 0.50)");
    const double steady = value("model + stabilize 0.80 (fast, 0.50)");
    ASSERT_GT(model, 0) << result.out;
    ASSERT_GT(half, 0) << result.out;
    ASSERT_GT(steady, 0) << result.out;
    EXPECT_LT(half, model) << result.out;
    EXPECT_LT(steady, half) << result.out;

    // By default the row stylize's default makes; `--stabilize 0`: none.
    const std::string common =
        "eval -m " + quote(model_) + " -i " + quote(dir_.path("moving.avi")) + " --frames 4";
    const auto plain = run_stylecam(common);
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_NE(plain.out.find("model + stabilize 0.80 (fast, 0.50)"), std::string::npos)
        << plain.out;
    const auto off = run_stylecam(common + " --stabilize 0");
    ASSERT_EQ(off.exit_code, 0) << off.err;
    EXPECT_EQ(off.out.find("stabilize"), std::string::npos) << off.out;
}

TEST_F(StabilizeCli, BadUsesAreOneLine) {
    cv::imwrite(dir_.path("photo.png"), testing::smooth_noise(30, 40, 2));
    torch::manual_seed(3);
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    save_transformer_net(dir_.path("tiny.safetensors"), net);
    const std::string tiny = " -m " + quote(dir_.path("tiny.safetensors"));
    const auto check = [&](const std::string& arguments, const std::string& fragment) {
        const auto result = run_stylecam(arguments);
        EXPECT_NE(result.exit_code, 0) << arguments;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_NE(result.err.find(fragment), std::string::npos) << arguments << "\n" << result.err;
    };
    check("stylize" + tiny + " -i " + quote(dir_.path("photo.png")) + " -o " +
              quote(dir_.path("out.png")) + " --stabilize 0.8",
          "--stabilize needs a video input");
    EXPECT_FALSE(std::filesystem::exists(dir_.path("out.png")));
    // Stabilized by default: a photo without --stabilize is simply stylized.
    EXPECT_EQ(run_stylecam("stylize" + tiny + " -i " + quote(dir_.path("photo.png")) + " -o " +
                           quote(dir_.path("plain.png")))
                  .exit_code,
              0);
    check("stylize" + tiny + " -i " + quote(dir_.path("moving.avi")) + " -o " +
              quote(dir_.path("out.avi")) + " --stabilize 1.5",
          "--stabilize");
    check("stylize" + tiny + " -i " + quote(dir_.path("moving.avi")) + " -o " +
              quote(dir_.path("out.avi")) + " --stabilize 0.5 --stabilize-flow slow",
          "--stabilize-flow");
    EXPECT_FALSE(std::filesystem::exists(dir_.path("out.avi")));
    check("eval" + tiny + " -i " + quote(dir_.path("moving.avi")) + " --stabilize 0.5,2",
          "--stabilize");
}

}  // namespace
}  // namespace stylecam
