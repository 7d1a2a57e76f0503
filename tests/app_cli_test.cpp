/// The `stylecam` program as a user runs it: help, listing, and every kind of bad input giving
/// one line on stderr, a non-zero exit code and no output file.

#include "core/safetensors.h"
#include "nets/model_file.h"
#include "nets/state_dict.h"
#include "test_support.h"
#include "video/video_file.h"

#include <opencv2/imgcodecs.hpp>

#include <fstream>

namespace stylecam {
namespace {

using testing::run_stylecam;
using testing::TempDir;

std::string quote(const std::string& text) { return "'" + text + "'"; }

int count_lines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

class Cli : public ::testing::Test {
  protected:
    void SetUp() override {
        torch::manual_seed(11);
        TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
        save_transformer_net(dir_.path("tiny.safetensors"), net, {{"style", "tiny"}});
        cv::Mat photo(30, 41, CV_8UC3, cv::Scalar(40, 120, 220));
        cv::imwrite(dir_.path("photo.png"), photo);
    }
    std::string model() const { return quote(dir_.path("tiny.safetensors")); }

    /// Runs `arguments`, expects failure with exactly one stderr line mentioning `fragment`, and
    /// that `output` was not created.
    void expect_clean_failure(const std::string& arguments, const std::string& fragment,
                              const std::string& output) {
        const auto result = run_stylecam(arguments);
        EXPECT_NE(result.exit_code, 0) << arguments;
        EXPECT_EQ(count_lines(result.err), 1) << arguments << "\nstderr:\n" << result.err;
        EXPECT_NE(result.err.find(fragment), std::string::npos)
            << arguments << "\nstderr: " << result.err << "expected: " << fragment;
        EXPECT_EQ(result.err.rfind("stylecam: error: ", 0), 0u) << result.err;
        EXPECT_FALSE(std::filesystem::exists(output)) << output;
    }
    TempDir dir_;
};

TEST_F(Cli, HelpAtEveryLevelShowsDefaults) {
    const auto top = run_stylecam("--help");
    EXPECT_EQ(top.exit_code, 0);
    EXPECT_NE(top.out.find("stylize"), std::string::npos);
    EXPECT_NE(top.out.find("models"), std::string::npos);
    const auto stylize = run_stylecam("stylize --help");
    EXPECT_EQ(stylize.exit_code, 0);
    for (const char* shown : {"--device", "=auto", "--precision", "--threads", "--scale", "=1",
                              "--strength", "--preserve-colors", "--models"})
        EXPECT_NE(stylize.out.find(shown), std::string::npos) << shown;
    EXPECT_EQ(run_stylecam("models --help").exit_code, 0);
    EXPECT_NE(run_stylecam("--version").out.find("LibTorch"), std::string::npos);
}

TEST_F(Cli, StylizesAPhotoByStyleNameFromAModelsFolder) {
    const auto result =
        run_stylecam("stylize --models " + quote(dir_.path()) + " --model tiny -i " +
                     quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("out.jpg")));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(cv::imread(dir_.path("out.jpg")).size(), cv::Size(41, 30));
    const auto listing = run_stylecam("models --models " + quote(dir_.path()));
    EXPECT_EQ(listing.exit_code, 0);
    EXPECT_NE(listing.out.find("tiny"), std::string::npos);
    EXPECT_NE(listing.out.find("johnson2016 (4ch, 1 res)"), std::string::npos);
}

TEST_F(Cli, StylizesAVideoKeepingFramesAndSize) {
    {
        VideoWriter writer(dir_.path("clip.avi"), cv::Size(50, 38), 15.0);
        for (int i = 0; i < 9; ++i)
            writer.write(cv::Mat(38, 50, CV_8UC3, cv::Scalar(i * 20, 90, 200)));
    }
    const auto result =
        run_stylecam("stylize -m " + model() + " -i " + quote(dir_.path("clip.avi")) + " -o " +
                     quote(dir_.path("styled.mp4")) + " --scale 0.5");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    VideoReader reader(dir_.path("styled.mp4"));
    EXPECT_EQ(reader.info().size, cv::Size(50, 38));
    EXPECT_NEAR(reader.info().fps, 15.0, 1e-6);
    int frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    EXPECT_EQ(frames, 9);
}

TEST_F(Cli, EvalReportsTextureDetailLowpassPsnrAndSsimAgainstAReference) {
    testing::write_tiny_vgg(dir_.path("vgg.safetensors"));
    const std::string vgg = " --vgg " + quote(dir_.path("vgg.safetensors"));
    const auto same =
        run_stylecam("eval -m " + model() + " -r " + model() + " -i " + quote(dir_.path()) + vgg);
    ASSERT_EQ(same.exit_code, 0) << same.err;
    for (const char* column : {"TEXTURE", "DETAIL", "LOWPASS dB", "PSNR dB", "SSIM", "MODEL ms"})
        EXPECT_NE(same.out.find(column), std::string::npos) << column << "\n" << same.out;
    EXPECT_NE(same.out.find("photo.png"), std::string::npos) << same.out;
    EXPECT_NE(same.out.find("MEAN            "), std::string::npos) << same.out;
    // Identical outputs: texture 0, detail 1, both PSNRs capped, SSIM 1.
    EXPECT_NE(same.out.find("0.000    1.000       99.00      99.00   1.0000"), std::string::npos)
        << same.out;
    torch::manual_seed(99);
    TransformerNet other(TransformerNetOptions().channels(4).residual_blocks(1));
    save_transformer_net(dir_.path("other.safetensors"), other);
    cv::imwrite(dir_.path("textured.png"), testing::smooth_noise(40, 48, 9));  // a flat photo
    const auto differs =
        run_stylecam("eval -m " + quote(dir_.path("other.safetensors")) + " -r " + model() +
                     " -i " + quote(dir_.path("textured.png")) + vgg + " --height 30");
    ASSERT_EQ(differs.exit_code, 0) << differs.err;
    EXPECT_EQ(differs.out.find("99.00"), std::string::npos) << differs.out;
    EXPECT_EQ(differs.out.find("0.000    1.000"), std::string::npos) << differs.out;
}

TEST_F(Cli, EvalOfAVideoReportsWarpErrorsNextToTheInputs) {
    // A textured pattern moving 2 px a frame to the right.
    cv::Mat texture = testing::smooth_noise(60, 120, 4);
    {
        VideoWriter writer(dir_.path("moving.avi"), cv::Size(64, 48), 10.0);
        for (int i = 0; i < 8; ++i) writer.write(texture(cv::Rect(40 - 2 * i, 6, 64, 48)));
    }
    const auto both = run_stylecam("eval -m " + model() + " -r " + model() + " -i " +
                                   quote(dir_.path("moving.avi")) + " --frames 5 --size native");
    ASSERT_EQ(both.exit_code, 0) << both.err;
    EXPECT_NE(both.out.find("5 frames at 64x48;"), std::string::npos) << both.out;
    for (const char* row :
         {"input (the floor)", "model tiny.safetensors", "reference tiny.safetensors", "WARP ERR",
          "/ INPUT", "STILL", "MOVING", "% of pixels"})
        EXPECT_NE(both.out.find(row), std::string::npos) << row << "\n" << both.out;
    // No reference needed for a video; frames resized to cover and cropped to --size.
    const auto alone = run_stylecam("eval -m " + model() + " -i " + quote(dir_.path("moving.avi")) +
                                    " --size 40x40");
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    EXPECT_NE(alone.out.find("8 frames at 40x40 (resized and centre-cropped from 64x48)"),
              std::string::npos)
        << alone.out;
    EXPECT_EQ(alone.out.find("reference"), std::string::npos) << alone.out;
}

TEST_F(Cli, EvalOfAStillClipHasNoRatioToItsZeroFloor) {
    {
        VideoWriter writer(dir_.path("still.avi"), cv::Size(32, 32), 10.0);
        for (int i = 0; i < 4; ++i) writer.write(testing::smooth_noise(32, 32, 4));
    }
    const auto result = run_stylecam("eval -m " + model() + " -i " + quote(dir_.path("still.avi")) +
                                     " --size native");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out.find("nan"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("input (the floor)"), std::string::npos) << result.out;
    // The floor is 0 here: the ratio column says "-" rather than dividing by it.
    const auto model_row = result.out.find("model tiny.safetensors");
    ASSERT_NE(model_row, std::string::npos) << result.out;
    EXPECT_NE(result.out.substr(model_row).find(" - "), std::string::npos) << result.out;
}

TEST_F(Cli, EvalErrorsAreOneLine) {
    expect_clean_failure("eval -m " + model() + " -i " + quote(dir_.path("photo.png")),
                         "--reference is needed for photos", dir_.path("none"));
    expect_clean_failure("eval -m " + model() + " -r " + model() + " -i " +
                             quote(dir_.path("photo.png")) + " --vgg " +
                             quote(dir_.path("missing-vgg.safetensors")),
                         "missing-vgg.safetensors", dir_.path("none"));
    {
        VideoWriter writer(dir_.path("still.avi"), cv::Size(32, 32), 10.0);
        for (int i = 0; i < 3; ++i) writer.write(cv::Mat(32, 32, CV_8UC3, cv::Scalar(1, 2, 3)));
    }
    expect_clean_failure(
        "eval -m " + model() + " -i " + quote(dir_.path("still.avi")) + " --size 40by30",
        "--size: expected WIDTHxHEIGHT", dir_.path("none"));
    testing::write_text(dir_.path("broken.mp4"), "not a video");
    expect_clean_failure("eval -m " + model() + " -i " + quote(dir_.path("broken.mp4")),
                         "broken.mp4", dir_.path("none"));
}

TEST_F(Cli, MissingInput) {
    expect_clean_failure("stylize -m " + model() + " -i " + quote(dir_.path("nope.jpg")) + " -o " +
                             quote(dir_.path("o.png")),
                         "nope.jpg: file not found", dir_.path("o.png"));
}

TEST_F(Cli, TextFileNamedJpg) {
    testing::write_text(dir_.path("fake.jpg"), "hello, I am text\n");
    expect_clean_failure("stylize -m " + model() + " -i " + quote(dir_.path("fake.jpg")) + " -o " +
                             quote(dir_.path("o.png")),
                         "fake.jpg: cannot decode image", dir_.path("o.png"));
}

TEST_F(Cli, TruncatedModel) {
    std::ifstream in(dir_.path("tiny.safetensors"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    testing::write_text(dir_.path("cut.safetensors"), bytes.substr(0, bytes.size() - 100));
    expect_clean_failure("stylize -m " + quote(dir_.path("cut.safetensors")) + " -i " +
                             quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("o.png")),
                         "cut.safetensors: tensor", dir_.path("o.png"));
}

TEST_F(Cli, CorruptModelHeader) {
    testing::write_text(dir_.path("junk.safetensors"),
                        std::string("\x10\0\0\0\0\0\0\0{{{{garbage}}}}", 24));
    expect_clean_failure("stylize -m " + quote(dir_.path("junk.safetensors")) + " -i " +
                             quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("o.png")),
                         "junk.safetensors: corrupt safetensors header", dir_.path("o.png"));
}

TEST_F(Cli, ModelWithWrongNames) {
    const auto contents = read_safetensors(dir_.path("tiny.safetensors"));
    std::map<std::string, torch::Tensor> renamed;
    for (const auto& [name, tensor] : contents.tensors) renamed["module." + name] = tensor;
    write_safetensors(dir_.path("renamed.safetensors"), renamed);
    expect_clean_failure("stylize -m " + quote(dir_.path("renamed.safetensors")) + " -i " +
                             quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("o.png")),
                         "renamed.safetensors: missing tensor 'conv1.conv2d.weight'",
                         dir_.path("o.png"));
}

TEST_F(Cli, ModelWithWrongShapes) {
    auto contents = read_safetensors(dir_.path("tiny.safetensors"));
    contents.tensors["deconv3.conv2d.weight"] = torch::zeros({3, 4, 3, 3});
    write_safetensors(dir_.path("shapes.safetensors"), contents.tensors, contents.metadata);
    expect_clean_failure(
        "stylize -m " + quote(dir_.path("shapes.safetensors")) + " -i " +
            quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("o.png")),
        "tensor 'deconv3.conv2d.weight' has shape [3, 4, 3, 3], expected [3, 4, 9, 9]",
        dir_.path("o.png"));
}

TEST_F(Cli, CorruptOnnxModel) {
    testing::write_text(dir_.path("bad.onnx"), std::string(300, '\x07'));
    expect_clean_failure("stylize -m " + quote(dir_.path("bad.onnx")) + " -i " +
                             quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("o.png")),
                         "bad.onnx: cannot load ONNX model", dir_.path("o.png"));
}

TEST_F(Cli, UnknownStyleName) {
    expect_clean_failure("stylize --models " + quote(dir_.path()) + " -m van_gogh -i " +
                             quote(dir_.path("photo.png")) + " -o " + quote(dir_.path("o.png")),
                         "unknown style 'van_gogh'", dir_.path("o.png"));
}

TEST_F(Cli, VideoThatCannotBeOpened) {
    testing::write_text(dir_.path("movie.mp4"), std::string(4096, 'z'));
    expect_clean_failure("stylize -m " + model() + " -i " + quote(dir_.path("movie.mp4")) + " -o " +
                             quote(dir_.path("o.mp4")),
                         "movie.mp4: cannot open video", dir_.path("o.mp4"));
}

TEST_F(Cli, OutputFolderThatCannotBeWritten) {
    expect_clean_failure("stylize -m " + model() + " -i " + quote(dir_.path("photo.png")) + " -o " +
                             quote(dir_.path("missing/dir/o.png")),
                         "does not exist", dir_.path("missing/dir/o.png"));
    // A regular file where the folder should be.
    testing::write_text(dir_.path("file"), "x");
    expect_clean_failure("stylize -m " + model() + " -i " + quote(dir_.path("photo.png")) + " -o " +
                             quote(dir_.path("file/o.png")),
                         "file/o.png", dir_.path("file/o.png"));
    if (::geteuid() != 0) {  // root writes anywhere, so permissions only bind other users
        std::filesystem::create_directory(dir_.path("locked"));
        std::filesystem::permissions(dir_.path("locked"), std::filesystem::perms::owner_read |
                                                              std::filesystem::perms::owner_exec);
        expect_clean_failure("stylize -m " + model() + " -i " + quote(dir_.path("photo.png")) +
                                 " -o " + quote(dir_.path("locked/o.png")),
                             "not writable", dir_.path("locked/o.png"));
    }
}

TEST_F(Cli, InvalidOptionValues) {
    const std::string photo = " -i " + quote(dir_.path("photo.png")) + " -o ";
    expect_clean_failure(
        "stylize -m " + model() + photo + quote(dir_.path("o.png")) + " --strength 3", "--strength",
        dir_.path("o.png"));
    expect_clean_failure(
        "stylize -m " + model() + photo + quote(dir_.path("o.png")) + " --precision fp8",
        "--precision", dir_.path("o.png"));
    expect_clean_failure("stylize -m " + model() + photo + quote(dir_.path("o.png")) +
                             " --device cpu --precision fp16",
                         "fp16 needs CUDA", dir_.path("o.png"));
}

}  // namespace
}  // namespace stylecam
