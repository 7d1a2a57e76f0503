#include "core/error.h"
#include "test_support.h"
#include "video/frame_source.h"
#include "video/h264_file_writer.h"
#include "video/video_file.h"

#include <opencv2/core.hpp>

#include <filesystem>

namespace stylecam {
namespace {

using testing::TempDir;

/// Reads every frame back; the mean absolute difference (0..255) to what was written.
double mean_difference_read_back(const std::string& path, const std::vector<cv::Mat>& written,
                                 int& frames) {
    VideoReader reader(path);
    cv::Mat frame;
    double total = 0;
    frames = 0;
    while (reader.read(frame)) {
        if (frames < static_cast<int>(written.size()))
            total += cv::norm(frame, written[static_cast<size_t>(frames)], cv::NORM_L1) /
                     static_cast<double>(frame.total() * 3);
        ++frames;
    }
    return frames > 0 ? total / frames : 255.0;
}

/// Each container that gets x264 veryfast keeps every frame, the size, the rate and the picture
/// (BT.601 limited range both ways: a colour mix-up would cost tens of levels, not a few).
TEST(H264FileWriter, EveryContainerKeepsFramesSizeRateAndColours) {
    TempDir dir;
    std::vector<cv::Mat> frames;
    for (int i = 0; i < 30; ++i) frames.push_back(test_pattern_frame({320, 240}, i));
    for (const char* name : {"a.mp4", "a.mkv", "a.mov"}) {
        const auto path = dir.path(name);
        {
            auto writer = H264FileWriter::open(path, {320, 240}, 24.0);
            ASSERT_TRUE(writer) << name << ": this FFmpeg has libx264 (Debian's does)";
            for (const auto& frame : frames) writer->write(frame);
            writer->close();
            writer->close();  // idempotent
            EXPECT_THROW(writer->write(frames[0]), Error);
        }
        VideoReader reader(path);
        EXPECT_EQ(reader.info().size, cv::Size(320, 240)) << name;
        EXPECT_NEAR(reader.info().fps, 24.0, 0.01) << name;
        int read = 0;
        EXPECT_LT(mean_difference_read_back(path, frames, read), 6.0) << name;
        EXPECT_EQ(read, 30) << name;
    }
}

/// A fractional camera rate is kept (29.97 fps as 30000/1001), and a frame of the wrong size is
/// refused with the file's name.
TEST(H264FileWriter, FractionalRatesAndWrongFrames) {
    TempDir dir;
    const auto path = dir.path("ntsc.mp4");
    auto writer = H264FileWriter::open(path, {160, 120}, 30000.0 / 1001.0);
    ASSERT_TRUE(writer);
    for (int i = 0; i < 5; ++i) writer->write(test_pattern_frame({160, 120}, i));
    try {
        writer->write(test_pattern_frame({162, 120}, 0));
        FAIL() << "a frame of another size was accepted";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    }
    writer->close();
    VideoReader reader(path);
    EXPECT_NEAR(reader.info().fps, 29.97, 0.01);
}

/// Odd sides (4:2:0 cannot hold them) and extensions x264 has no container for go to OpenCV's
/// writer: H264FileWriter declines, VideoWriter still writes them.
TEST(H264FileWriter, DeclinesWhatItCannotWriteAndVideoWriterFallsBack) {
    TempDir dir;
    EXPECT_FALSE(H264FileWriter::open(dir.path("odd.mp4"), {161, 121}, 25.0));
    EXPECT_FALSE(H264FileWriter::open(dir.path("x.unknownext"), {160, 120}, 25.0));
    {
        VideoWriter writer(dir.path("odd.mp4"), {161, 121}, 25.0);
        for (int i = 0; i < 4; ++i) writer.write(test_pattern_frame({161, 121}, i));
    }
    int read = 0;
    mean_difference_read_back(dir.path("odd.mp4"), {}, read);
    EXPECT_EQ(read, 4);
}

/// A folder that does not exist is one error naming the file, and nothing is left behind.
TEST(H264FileWriter, AnUncreatableFileIsAnErrorNamingIt) {
    TempDir dir;
    const auto path = dir.path("missing/x.mp4");
    try {
        H264FileWriter::open(path, {160, 120}, 25.0);
        FAIL() << "no error";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace stylecam
