#include "core/error.h"
#include "image/color.h"
#include "image/tensor_image.h"
#include "nets/model_file.h"
#include "stylize/stylizer.h"
#include "test_support.h"

#include <opencv2/imgproc.hpp>

namespace stylecam {
namespace {

using testing::TempDir;

/// A small random transformer net saved to a temporary file: fast, and real enough to test the
/// machinery around the network.
class TinyModel : public ::testing::Test {
  protected:
    void SetUp() override {
        torch::manual_seed(42);
        TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
        save_transformer_net(path(), net, {{"style", "tiny"}});
    }
    std::string path() const { return dir_.path("tiny.safetensors"); }
    Stylizer make(StylizerOptions options = {}) {
        options.network.device = DeviceKind::Cpu;
        // fp32 unless a test asks otherwise: `auto` is bf16 on native-bf16 CPUs only.
        if (options.network.precision == Precision::Auto)
            options.network.precision = Precision::Fp32;
        return Stylizer(path(), options);
    }
    static cv::Mat random_image(int rows, int cols) {
        cv::Mat image(rows, cols, CV_8UC3);
        cv::randu(image, 0, 256);
        return image;
    }
    TempDir dir_;
};

TEST(PadForNetwork, PadsBottomRightToMultiplesAndMinimum) {
    for (auto [rows, cols] : {std::pair{1, 1}, {3, 5}, {333, 257}, {8, 8}, {480, 512}}) {
        const cv::Mat image(rows, cols, CV_8UC3, cv::Scalar(1, 2, 3));
        const cv::Mat padded = pad_for_network(image, 4, 8);
        EXPECT_EQ(padded.rows % 4, 0);
        EXPECT_EQ(padded.cols % 4, 0);
        EXPECT_GE(padded.rows, std::max(rows, 8));
        EXPECT_LT(padded.rows, std::max(rows, 8) + 4);
        EXPECT_EQ(cv::norm(padded(cv::Rect(0, 0, cols, rows)), image, cv::NORM_INF), 0.0);
    }
}

TEST(PadForNetwork, ReflectsLikeTorch) {
    cv::Mat image(9, 10, CV_8UC3);
    cv::randu(image, 0, 256);
    const cv::Mat padded = pad_for_network(image, 4, 8);
    const auto torch_padded =
        torch::reflection_pad2d(image_to_tensor(image), {0, padded.cols - 10, 0, padded.rows - 9});
    EXPECT_EQ(cv::norm(tensor_to_image(torch_padded), padded, cv::NORM_INF), 0.0);
}

TEST_F(TinyModel, OutputHasTheInputSizeForOddSizes) {
    auto stylizer = make();
    for (auto [rows, cols] : {std::pair{1, 1}, {3, 5}, {333, 257}, {7, 64}}) {
        const cv::Mat out = stylizer.stylize(random_image(rows, cols));
        EXPECT_EQ(out.size(), cv::Size(cols, rows));
        EXPECT_EQ(out.type(), CV_8UC3);
    }
}

TEST(ShuffledModel, PadsToItsOwnMultipleForOddSizes) {
    TempDir dir;
    torch::manual_seed(3);
    TransformerNet net(architecture_options("c4-r1-k3-s2"));
    save_transformer_net(dir.path("shuffled.safetensors"), net);
    StylizerOptions options;
    options.network.device = DeviceKind::Cpu;
    Stylizer stylizer(dir.path("shuffled.safetensors"), options);
    for (auto [rows, cols] : {std::pair{1, 1}, {13, 21}, {333, 257}, {60, 4}}) {
        cv::Mat image(rows, cols, CV_8UC3);
        cv::randu(image, 0, 256);
        EXPECT_EQ(stylizer.stylize(image).size(), cv::Size(cols, rows));
    }
}

TEST_F(TinyModel, ScaleKeepsTheOutputSize) {
    StylizerOptions options;
    options.scale = 0.5;
    auto stylizer = make(options);
    EXPECT_EQ(stylizer.stylize(random_image(101, 67)).size(), cv::Size(67, 101));
    stylizer.set_scale(1.7);
    EXPECT_EQ(stylizer.stylize(random_image(31, 45)).size(), cv::Size(45, 31));
    EXPECT_THROW(stylizer.set_scale(0), Error);
    EXPECT_THROW(stylizer.set_strength(1.5), Error);
}

TEST_F(TinyModel, PrepareRunsEachNewNetworkSizeOnceAndChangesNothing) {
    StylizerOptions options;
    options.scale = 0.5;
    auto stylizer = make(options);
    const cv::Mat frame = random_image(120, 160);
    const cv::Mat before = stylizer.stylize(frame);  // runs 80×60 (padded to the multiple 4)
    // 1.0 and 0.7 are new (160×120, 112×84); 0.5 was run; 0.49 pads to 0.5's 80×60 (78.4 → 80).
    EXPECT_EQ(stylizer.prepare(frame.size(), {1.0, 0.7, 0.5, 0.49}), 2);
    EXPECT_EQ(stylizer.prepare(frame.size(), {1.0, 0.7, 0.5}), 0);  // nothing new
    EXPECT_EQ(stylizer.prepare(cv::Size(320, 240), {0.5}), 0);      // 160×120: run above
    EXPECT_EQ(stylizer.prepare(cv::Size(), {1.0}), 0);              // no frame yet
    EXPECT_EQ(stylizer.options().scale, 0.5);
    EXPECT_EQ(cv::norm(stylizer.stylize(frame), before, cv::NORM_INF), 0);
}

TEST_F(TinyModel, VideoFramesCarryStatisticsUntilTheTemporalNormIsSwitchedOff) {
    StylizerOptions options;
    options.temporal_norm = 0.9;
    Stylizer stylizer = make(options);
    const cv::Mat first = random_image(40, 48), second = random_image(40, 48);
    EXPECT_EQ(cv::norm(stylizer.stylize_frame(first, 0), stylizer.stylize(first), cv::NORM_INF),
              0);  // a video's first frame is the picture
    EXPECT_GT(cv::norm(stylizer.stylize_frame(second, 1), stylizer.stylize(second), cv::NORM_INF),
              0);  // the next one keeps 0.9 of the first one's statistics
    stylizer.set_temporal_norm(0);
    EXPECT_EQ(stylizer.timeline(), nullptr);
    EXPECT_EQ(cv::norm(stylizer.stylize_frame(second, 2), stylizer.stylize(second), cv::NORM_INF),
              0);
    EXPECT_THROW(stylizer.set_temporal_norm(1.5), Error);
    options.temporal_norm = -1;
    EXPECT_THROW(make(options), Error);
}

TEST_F(TinyModel, StrengthBlendsWithTheOriginal) {
    const cv::Mat image = random_image(32, 40);
    auto stylizer = make();
    const cv::Mat full = stylizer.stylize(image);
    stylizer.set_strength(0.0);
    EXPECT_EQ(cv::norm(stylizer.stylize(image), image, cv::NORM_INF), 0.0);
    stylizer.set_strength(0.5);
    cv::Mat expected;
    cv::addWeighted(full, 0.5, image, 0.5, 0, expected);
    EXPECT_LE(cv::norm(stylizer.stylize(image), expected, cv::NORM_INF), 1.0);
}

TEST_F(TinyModel, PreserveColorsAppliesTheColourTransferToTheStylizedImage) {
    const cv::Mat image = random_image(32, 40);
    const cv::Mat plain = make().stylize(image);
    StylizerOptions options;
    options.preserve_colors = true;
    const cv::Mat kept = make(options).stylize(image);
    EXPECT_EQ(cv::norm(kept, preserve_colors(plain, image), cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(kept, plain, cv::NORM_L1), 0.0);
}

TEST_F(TinyModel, Bf16IsCloseToFp32) {
    const cv::Mat image = random_image(48, 64);
    StylizerOptions bf16;
    bf16.network.precision = Precision::Bf16;
    const cv::Mat a = make().stylize(image);
    const cv::Mat b = make(bf16).stylize(image);
    EXPECT_LT(cv::norm(a, b, cv::NORM_L1) / a.total() / 3, 3.0);
}

TEST_F(TinyModel, Fp16OnCpuAndCudaWithoutGpuAreClearErrors) {
    StylizerOptions fp16;
    fp16.network.precision = Precision::Fp16;
    EXPECT_THROW(make(fp16), Error);
    if (!cuda_available()) {
        StylizerOptions cuda;
        cuda.network.device = DeviceKind::Cuda;
        EXPECT_THROW(Stylizer(path(), cuda), Error);
    }
}

TEST_F(TinyModel, CudaFp16MatchesCpuWhenAvailable) {
    if (!cuda_available()) GTEST_SKIP() << "needs CUDA (this LibTorch or machine has none)";
    const cv::Mat image = random_image(64, 96);
    StylizerOptions cuda;
    cuda.network.device = DeviceKind::Cuda;
    cuda.network.precision = Precision::Fp16;
    const cv::Mat gpu = Stylizer(path(), cuda).stylize(image);
    const cv::Mat cpu = make().stylize(image);
    EXPECT_LT(cv::norm(gpu, cpu, cv::NORM_L1) / cpu.total() / 3, 2.0);
}

}  // namespace
}  // namespace stylecam
