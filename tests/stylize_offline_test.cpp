#include "core/error.h"
#include "nets/model_file.h"
#include "stylize/offline_jobs.h"
#include "test_support.h"
#include "video/frame_sink.h"
#include "video/video_file.h"

#include <opencv2/imgcodecs.hpp>

namespace stylecam {
namespace {

using testing::TempDir;

/// Writes a moving-gradient clip with OpenCV (MJPG in AVI: always available).
void write_test_clip(const std::string& path, int frames, cv::Size size, double fps) {
    VideoWriter writer(path, size, fps);
    for (int i = 0; i < frames; ++i) {
        cv::Mat frame(size, CV_8UC3);
        for (int y = 0; y < size.height; ++y)
            for (int x = 0; x < size.width; ++x)
                frame.at<cv::Vec3b>(y, x) =
                    cv::Vec3b((x * 4 + i * 9) % 256, (y * 5) % 256, i * 13 % 256);
        writer.write(frame);
    }
}

class OfflineJobs : public ::testing::Test {
  protected:
    void SetUp() override {
        // Two threads: the video job then runs two stylizer workers whose frames complete out
        // of order and must be put back in order (one thread would hide that).
        torch::set_num_threads(2);
        torch::manual_seed(7);
        TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
        save_transformer_net(dir_.path("tiny.safetensors"), net);
        StylizerOptions options;
        options.network.device = DeviceKind::Cpu;
        stylizer_ = std::make_unique<Stylizer>(dir_.path("tiny.safetensors"), options);
    }
    TempDir dir_;
    std::unique_ptr<Stylizer> stylizer_;
};

TEST_F(OfflineJobs, VideoKeepsFrameCountSizeAndRate) {
    const cv::Size size(70, 46);  // not a multiple of 4
    write_test_clip(dir_.path("clip.avi"), 17, size, 12.0);
    std::vector<int64_t> progress;
    for (const char* output : {"out.mp4", "out.avi", "out.mkv"}) {
        progress.clear();
        const auto result =
            stylize_video_file(*stylizer_, dir_.path("clip.avi"), dir_.path(output),
                               [&](int64_t done, int64_t) { progress.push_back(done); });
        EXPECT_EQ(result.frames, 17) << output;
        EXPECT_FALSE(result.interrupted);
        EXPECT_EQ(progress.size(), 17u);
        VideoReader reader(dir_.path(output));
        EXPECT_EQ(reader.info().size, size) << output;
        EXPECT_NEAR(reader.info().fps, 12.0, 1e-6) << output;
        int frames = 0;
        cv::Mat frame;
        while (reader.read(frame)) ++frames;
        EXPECT_EQ(frames, 17) << output;
    }
}

TEST_F(OfflineJobs, InterruptedVideoKeepsAPlayableFileOfTheFramesSoFar) {
    write_test_clip(dir_.path("clip.avi"), 12, cv::Size(32, 24), 10.0);
    std::atomic<bool> stop{false};
    const auto result = stylize_video_file(
        *stylizer_, dir_.path("clip.avi"), dir_.path("part.mp4"),
        [&](int64_t done, int64_t) { stop = done >= 5; }, &stop);
    EXPECT_TRUE(result.interrupted);
    EXPECT_EQ(result.frames, 5);
    VideoReader reader(dir_.path("part.mp4"));
    int frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    EXPECT_EQ(frames, 5);
}

TEST_F(OfflineJobs, VideoPipelineKeepsEveryFrameInOrder) {
    // Strength 0 passes frames through: each output frame must be its own input frame, not a
    // neighbour (the decoder, stylizer and encoder threads must not reorder or skip).
    const cv::Size size(64, 48);
    write_test_clip(dir_.path("clip.avi"), 40, size, 10.0);
    StylizerOptions options;
    options.network.device = DeviceKind::Cpu;
    options.strength = 0;
    Stylizer passthrough(dir_.path("tiny.safetensors"), options);
    const auto result =
        stylize_video_file(passthrough, dir_.path("clip.avi"), dir_.path("same.avi"), {});
    ASSERT_EQ(result.frames, 40);
    std::vector<cv::Mat> inputs, outputs;
    for (auto [path, frames] : {std::pair{"clip.avi", &inputs}, {"same.avi", &outputs}}) {
        VideoReader reader(dir_.path(path));
        for (cv::Mat frame; reader.read(frame); frame = cv::Mat()) frames->push_back(frame);
    }
    ASSERT_EQ(outputs.size(), inputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
        size_t nearest = 0;
        double best = 1e30;
        for (size_t j = 0; j < inputs.size(); ++j) {
            const double distance = cv::norm(outputs[i], inputs[j], cv::NORM_L1);
            if (distance < best) best = distance, nearest = j;
        }
        EXPECT_EQ(nearest, i);
    }
}

/// Keeps every frame written to it.
class CollectingSink : public FrameSink {
  public:
    explicit CollectingSink(std::vector<cv::Mat>* frames) : frames_(frames) {}
    bool write(const cv::Mat& bgr) override {
        frames_->push_back(bgr.clone());
        return true;
    }
    std::string describe() const override { return "memory"; }
    int64_t frames_written() const override { return static_cast<int64_t>(frames_->size()); }

  private:
    std::vector<cv::Mat>* frames_;
};

TEST_F(OfflineJobs, TemporalNormOnTwoWorkersComputesWhatOneStylizerDoesInOrder) {
    // The two workers run consecutive frames at once and share one timeline of statistics: the
    // result must not depend on which worker took which frame, nor on their timing.
    {  // a pattern moving right by 2 px a frame: no scene cuts
        VideoWriter writer(dir_.path("clip.avi"), cv::Size(64, 48), 10.0);
        for (int i = 0; i < 24; ++i) {
            cv::Mat frame(48, 64, CV_8UC3);
            for (int y = 0; y < 48; ++y)
                for (int x = 0; x < 64; ++x)
                    frame.at<cv::Vec3b>(y, x) = cv::Vec3b((x * 3 + 60 * (y / 16) - 2 * i) & 255,
                                                          128 + (x - 2 * i) % 32, y * 5);
            writer.write(frame);
        }
    }
    StylizerOptions options;
    options.network.device = DeviceKind::Cpu;
    options.network.precision = Precision::Fp32;
    options.temporal_norm = 0.9;
    Stylizer carried(dir_.path("tiny.safetensors"), options);
    std::vector<cv::Mat> got;
    const auto result =
        stylize_video_to_sink(carried, dir_.path("clip.avi"),
                              [&](double) { return std::make_unique<CollectingSink>(&got); }, {});
    ASSERT_EQ(result.frames, 24);
    ASSERT_EQ(got.size(), 24u);

    Stylizer one(dir_.path("tiny.safetensors"), options);
    options.temporal_norm = 0;
    Stylizer alone(dir_.path("tiny.safetensors"), options);
    VideoReader reader(dir_.path("clip.avi"));
    int64_t index = 0;
    double differs_from_alone = 0;
    for (cv::Mat frame; reader.read(frame); ++index) {
        const cv::Mat expected = one.stylize_frame(frame, index);
        EXPECT_EQ(cv::norm(got[static_cast<size_t>(index)], expected, cv::NORM_INF), 0)
            << "frame " << index;
        differs_from_alone += cv::norm(expected, alone.stylize_frame(frame, index), cv::NORM_L1);
    }
    EXPECT_EQ(index, 24);
    EXPECT_GT(differs_from_alone, 0);      // the statistics were carried, not recomputed
    EXPECT_LT(one.timeline()->cuts(), 8);  // most frames carry their statistics over
    ASSERT_NE(one.timeline(), nullptr);
    EXPECT_EQ(alone.timeline(), nullptr);
    // The first frame of a video is a picture.
    reader = VideoReader(dir_.path("clip.avi"));
    cv::Mat first;
    ASSERT_TRUE(reader.read(first));
    EXPECT_EQ(cv::norm(got[0], alone.stylize(first), cv::NORM_INF), 0);
}

TEST_F(OfflineJobs, BadVideoLeavesNothingBehind) {
    testing::write_text(dir_.path("broken.mp4"), std::string(5000, 'x'));
    EXPECT_THROW(stylize_video_file(*stylizer_, dir_.path("broken.mp4"), dir_.path("o.mp4"), {}),
                 Error);
    EXPECT_FALSE(std::filesystem::exists(dir_.path("o.mp4")));
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path()))
        EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos);
}

TEST_F(OfflineJobs, FolderStylizesEveryImageAndReportsFailures) {
    std::filesystem::create_directory(dir_.path("in"));
    cv::imwrite(dir_.path("in/a.png"), cv::Mat(20, 30, CV_8UC3, cv::Scalar(10, 200, 30)));
    cv::imwrite(dir_.path("in/b.jpg"), cv::Mat(9, 13, CV_8UC1, cv::Scalar(100)));
    testing::write_text(dir_.path("in/c.jpg"), "not an image");
    testing::write_text(dir_.path("in/notes.txt"), "ignored");
    const auto result = stylize_folder(*stylizer_, dir_.path("in"), dir_.path("out"), {});
    EXPECT_EQ(result.written, 2);
    ASSERT_EQ(result.failures.size(), 1u);
    EXPECT_NE(result.failures[0].find("c.jpg: cannot decode image"), std::string::npos);
    EXPECT_EQ(cv::imread(dir_.path("out/a.png")).size(), cv::Size(30, 20));
    EXPECT_EQ(cv::imread(dir_.path("out/b.jpg")).size(), cv::Size(13, 9));
    EXPECT_FALSE(std::filesystem::exists(dir_.path("out/c.jpg")));
    EXPECT_THROW(stylize_folder(*stylizer_, dir_.path("in"), dir_.path("in"), {}), Error);
}

TEST(ClassifyInput, ByKindAndExtension) {
    TempDir dir;
    testing::write_text(dir.path("x.MP4"), "");
    testing::write_text(dir.path("y.png"), "");
    EXPECT_EQ(classify_input(dir.path()), InputKind::Folder);
    EXPECT_EQ(classify_input(dir.path("x.MP4")), InputKind::Video);
    EXPECT_EQ(classify_input(dir.path("y.png")), InputKind::Image);
    EXPECT_THROW(classify_input(dir.path("none.png")), Error);
}

}  // namespace
}  // namespace stylecam
