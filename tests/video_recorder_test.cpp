#include "core/error.h"
#include "test_support.h"
#include "video/frame_source.h"
#include "video/recorder.h"
#include "video/video_file.h"

#include <opencv2/imgcodecs.hpp>

#include <sstream>
#include <thread>

namespace stylecam {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

int count_frames(const std::string& path) {
    VideoReader reader(path);
    int frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    return frames;
}

TEST(Recorder, WritesEveryFrameAtTheRateTheyCame) {
    TempDir dir;
    Recorder recorder(dir.path("r.mp4"));
    const auto start = Recorder::Clock::now();
    for (int i = 0; i < 30; ++i)
        ASSERT_TRUE(recorder.push(test_pattern_frame({80, 60}, i), start + i * 200ms));  // 5 fps
    EXPECT_EQ(recorder.stop(), 30);
    EXPECT_TRUE(recorder.error().empty()) << recorder.error();
    VideoReader reader(dir.path("r.mp4"));
    EXPECT_NEAR(reader.info().fps, 5.0, 0.1);
    EXPECT_EQ(reader.info().size, cv::Size(80, 60));
    EXPECT_EQ(count_frames(dir.path("r.mp4")), 30);
    EXPECT_FALSE(recorder.push(test_pattern_frame({80, 60}, 0), start));  // stopped
}

TEST(Recorder, FramesKeepTheirTimesWhenTheRateChanges) {
    // 10 frames at 5 fps, then 20 at 20 fps (live auto scale): 2.8 s from first to last frame.
    // A constant rate measured on the first dozen frames (5.8 fps) would stretch it to 5 s.
    TempDir dir;
    Recorder recorder(dir.path("vfr.mp4"));
    const auto start = Recorder::Clock::now();
    auto time = start;
    for (int i = 0; i < 30; ++i) {
        ASSERT_TRUE(recorder.push(test_pattern_frame({80, 60}, i), time));
        time += i < 9 ? 200ms : 50ms;
    }
    EXPECT_EQ(recorder.stop(), 30);
    // The frames' presentation times as FFmpeg reads them (OpenCV 4.6 reports none per frame).
    const auto probe = testing::run_shell(
        "ffprobe -v error -select_streams v -show_entries frame=pts_time -of csv=p=0 " +
        dir.path("vfr.mp4"));
    if (probe.exit_code == 127) GTEST_SKIP() << "needs ffprobe (apt-get install ffmpeg)";
    ASSERT_EQ(probe.exit_code, 0) << probe.err;
    std::vector<double> milliseconds;
    std::istringstream lines(probe.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line != ",") milliseconds.push_back(1000 * std::atof(line.c_str()));
    ASSERT_EQ(milliseconds.size(), 30u) << probe.out;
    EXPECT_NEAR(milliseconds.back() - milliseconds.front(), 2800, 60);
    EXPECT_NEAR(milliseconds[9] - milliseconds[8], 200, 20);
    EXPECT_NEAR(milliseconds[20] - milliseconds[19], 50, 20);
}

TEST(Recorder, AFullQueueMakesTheProducerWaitInsteadOfDropping) {
    TempDir dir;
    Recorder recorder(dir.path("busy.mp4"), /*max_queued=*/1);
    const auto start = Recorder::Clock::now();
    for (int i = 0; i < 40; ++i)  // far faster than an encoder: every push finds the queue full
        ASSERT_TRUE(recorder.push(test_pattern_frame({320, 240}, i), start + i * 40ms, 10s)) << i;
    EXPECT_EQ(recorder.frames_dropped(), 0);
    EXPECT_EQ(recorder.stop(), 40);
    EXPECT_EQ(count_frames(dir.path("busy.mp4")), 40);
    EXPECT_FALSE(recorder.push(test_pattern_frame({320, 240}, 0), start, 10s));  // at once
}

TEST(Recorder, ShortRecordingsAndOtherSizesStillPlay) {
    TempDir dir;
    {
        Recorder recorder(dir.path("short.mkv"));
        const auto now = Recorder::Clock::now();
        recorder.push(test_pattern_frame({64, 48}, 0), now);
        recorder.push(test_pattern_frame({32, 20}, 1), now + 100ms);  // resized to the first
        recorder.push(test_pattern_frame({64, 48}, 2), now + 200ms);
    }  // destructor flushes
    EXPECT_EQ(count_frames(dir.path("short.mkv")), 3);
}

TEST(Recorder, BadPathsAreRefusedAtOnce) {
    TempDir dir;
    EXPECT_THROW(Recorder(dir.path("x.txt")), Error);
    EXPECT_THROW(Recorder(dir.path("missing/x.mp4")), Error);
    Recorder nothing(dir.path("empty.mp4"));
    EXPECT_EQ(nothing.stop(), 0);
    EXPECT_FALSE(std::filesystem::exists(dir.path("empty.mp4")));  // no frame, no file
}

TEST(FrameSource, TestPatternRunsAtItsRate) {
    SourceSpec spec;
    spec.kind = SourceSpec::Kind::TestPattern;
    spec.size = {40, 30};
    spec.fps = 50;
    auto source = open_frame_source(spec);
    cv::Mat a, b;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 26; ++i) ASSERT_TRUE(source->read(i % 2 ? a : b));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_NEAR(seconds, 0.5, 0.1);               // 25 periods at 50 fps after the first frame
    EXPECT_GT(cv::norm(a, b, cv::NORM_L1), 0.0);  // it moves
}

TEST(FrameSource, StillImagesAndMissingFiles) {
    TempDir dir;
    cv::imwrite(dir.path("still.png"), cv::Mat(10, 12, CV_8UC1, cv::Scalar(50)));
    SourceSpec spec;
    spec.kind = SourceSpec::Kind::File;
    spec.path = dir.path("still.png");
    auto source = open_frame_source(spec);
    cv::Mat frame;
    ASSERT_TRUE(source->read(frame));
    EXPECT_EQ(frame.type(), CV_8UC3);
    spec.path = dir.path("none.mp4");
    EXPECT_THROW(open_frame_source(spec), Error);
    spec.kind = SourceSpec::Kind::Camera;
    spec.camera_index = 97;  // no such camera
    EXPECT_THROW(open_frame_source(spec), Error);
}

}  // namespace
}  // namespace stylecam
