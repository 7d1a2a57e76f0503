// The mean-colour match of a distilled student: the exact output shift (nets), its measurement
// against a teacher (train) and `distill --match-mean-colour` (app).
#include "core/error.h"
#include "image/tensor_image.h"
#include "nets/model_file.h"
#include "nets/output_colour_shift.h"
#include "test_support.h"
#include "train/mean_colour_match.h"

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

namespace stylecam {
namespace {

using testing::TempDir;

/// A tiny net whose outputs sit near mid-grey (deconv3's bias shifted by 128), so that shifts of
/// a few levels are never clamped.
TransformerNet mid_grey_net(const std::string& arch, int seed) {
    torch::manual_seed(seed);
    TransformerNet net(architecture_options(arch));
    net->eval();
    shift_output_colour(net, {128, 128, 128});
    return net;
}

/// Outputs of `net` for `pictures`, as delivered frames (clamped, rounded, BGR), each of its
/// picture's size: the net's output of the centre crop of a multiple of 8, set into a mid-grey
/// frame (pictures too small for the net give that frame alone).
std::vector<cv::Mat> outputs_of(TransformerNet& net, const std::vector<cv::Mat>& pictures) {
    torch::NoGradGuard no_grad;
    std::vector<cv::Mat> outputs;
    for (const auto& picture : pictures) {
        cv::Mat output(picture.size(), CV_8UC3, cv::Scalar::all(128));
        const int width = picture.cols / 8 * 8, height = picture.rows / 8 * 8;
        if (width >= 16 && height >= 16) {
            const cv::Rect centre((picture.cols - width) / 2, (picture.rows - height) / 2, width,
                                  height);
            tensor_to_image(net->forward(image_to_tensor(picture(centre)))).copyTo(output(centre));
        }
        outputs.push_back(output);
    }
    return outputs;
}

TEST(OutputColourShift, AddsTheOffsetToEveryPixelOfEveryColourExactly) {
    for (const std::string arch : {"c4-r1-k3-s1", "c4-r1-k3-s2-dw"}) {
        torch::manual_seed(3);
        TransformerNet net(architecture_options(arch));
        net->eval();
        torch::NoGradGuard no_grad;
        const auto input = torch::rand({2, 3, 32, 48}) * 255;
        const auto before = net->forward(input);
        shift_output_colour(net, {10.5, -4, 0.25});
        const auto shift = net->forward(input) - before;
        const std::vector<double> expected{10.5, -4, 0.25};
        for (int c = 0; c < 3; ++c) {
            const auto channel = shift.select(1, c);
            EXPECT_NEAR(channel.min().item<double>(), expected[c], 1e-3) << arch << " colour " << c;
            EXPECT_NEAR(channel.max().item<double>(), expected[c], 1e-3) << arch << " colour " << c;
        }
    }
}

TEST(MeanColourMatch, MeasuresTheConstantOffsetToATargetAndTheShiftRemovesIt) {
    auto net = mid_grey_net("c4-r1-k3-s2", 5);
    auto shifted = mid_grey_net("c4-r1-k3-s2", 5);
    shift_output_colour(shifted, {12, -7, 3});
    // Sizes that are no multiple of 8 (centre-cropped) and one smaller than the net's minimum
    // side (skipped).
    std::vector<cv::Mat> pictures{testing::smooth_noise(45, 67, 1),
                                  testing::smooth_noise(64, 40, 2),
                                  testing::smooth_noise(12, 30, 3)};
    const auto targets = outputs_of(shifted, pictures);
    const auto offset = mean_colour_offset(net, pictures, targets, torch::kCPU);
    EXPECT_NEAR(offset[0], 12, 0.1);
    EXPECT_NEAR(offset[1], -7, 0.1);
    EXPECT_NEAR(offset[2], 3, 0.1);
    shift_output_colour(net, offset);
    int calls = 0;
    const auto residue =
        mean_colour_offset(net, pictures, targets, torch::kCPU, [&](int done, int total) {
            EXPECT_EQ(done, ++calls);
            EXPECT_EQ(total, 3);
        });
    EXPECT_EQ(calls, 3);
    for (double value : residue) EXPECT_NEAR(value, 0, 0.1);
    // Nothing large enough to measure: a clear error, not a division by zero.
    EXPECT_THROW(mean_colour_offset(net, {pictures[2]}, {targets[2]}, torch::kCPU), Error);
    EXPECT_THROW(mean_colour_offset(net, pictures, {targets[0]}, torch::kCPU), Error);
}

TEST(DistillCli, MatchMeanColourWithoutTrainingShiftsTheInitModelOntoItsTeacher) {
    TempDir dir;
    std::filesystem::create_directories(dir.path("photos"));
    for (int i = 0; i < 3; ++i)
        cv::imwrite(dir.path("photos") + "/p" + std::to_string(i) + ".png",
                    testing::smooth_noise(48, 64, 20 + i));
    auto teacher = mid_grey_net("c4-r1-k3-s2", 8);
    save_transformer_net(dir.path("teacher.safetensors"), teacher);
    auto student = mid_grey_net("c4-r1-k3-s2", 8);  // the teacher, 9 levels too red, 5 too dim
    shift_output_colour(student, {9, -5, -5});
    save_transformer_net(dir.path("student.safetensors"), student, {{"style", "tiny"}});
    /// `distill --steps 0` from the model file `init` (in dir) to `output`, plus `flags`.
    const auto no_training = [&](const std::string& init, const std::string& output,
                                 const std::string& flags) {
        return testing::run_stylecam(
            "distill --teacher " + dir.path("teacher.safetensors") + " --data " +
            dir.path("photos") + " --arch c4-r1-k3-s2 --init " + dir.path(init) +
            " --image-size 32 --steps 0" + flags + " --output " + dir.path(output));
    };

    const auto result =
        no_training("student.safetensors", "matched.safetensors", " --match-mean-colour");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto matched = load_transformer_net(dir.path("matched.safetensors"));
    EXPECT_EQ(matched.metadata.at("style"), "tiny");  // the init model's metadata is kept
    const auto shift = matched.metadata.at("mean_colour_shift");
    EXPECT_EQ(shift.substr(0, 2), "-9") << shift;
    const auto teacher_bias = teacher->named_parameters()["deconv3.conv2d.bias"];
    const auto matched_bias = matched.net->named_parameters()["deconv3.conv2d.bias"];
    EXPECT_LT((teacher_bias - matched_bias).abs().max().item<double>(), 0.1);

    // Matching a matched model again moves it by next to nothing and keeps the sum of the shifts.
    const auto again =
        no_training("matched.safetensors", "again.safetensors", " --match-mean-colour");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    const auto twice = load_transformer_net(dir.path("again.safetensors"));
    EXPECT_EQ(twice.metadata.at("mean_colour_shift").substr(0, 2), "-9")
        << twice.metadata.at("mean_colour_shift");
    EXPECT_NE(again.err.find("teacher ["), std::string::npos) << again.err;  // progress shown

    // A malformed recorded shift is a one-line error naming the file, and nothing is written.
    for (const std::string bad : {"1,2", "1,x,3", "1,2,3,4"}) {
        save_transformer_net(dir.path("bad.safetensors"), matched.net,
                             {{"mean_colour_shift", bad}});
        const auto malformed =
            no_training("bad.safetensors", "bad_out.safetensors", " --match-mean-colour");
        EXPECT_EQ(malformed.exit_code, 1) << bad;
        EXPECT_NE(
            malformed.err.find(dir.path("bad.safetensors") + ": metadata mean_colour_shift '" +
                               bad + "' is not three numbers"),
            std::string::npos)
            << malformed.err;
        EXPECT_FALSE(std::filesystem::exists(dir.path("bad_out.safetensors"))) << bad;
    }

    // --steps 0 is only for the colour match.
    const auto refused = no_training("student.safetensors", "x.safetensors", "");
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("--steps must be at least 1"), std::string::npos) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path("x.safetensors")));
}

}  // namespace
}  // namespace stylecam
