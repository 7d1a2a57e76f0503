/// The y4m writer: frame rates as ratios, the stream header, frame markers and plane sizes,
/// odd sizes, frames of another size, and a reader that goes away (EPIPE, not a crash).

#include "image/yuv.h"
#include "test_support.h"
#include "video/y4m_writer.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <csignal>
#include <fstream>
#include <iterator>

namespace stylecam {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Y4mWriter, FrameRatesAreExactRatios) {
    EXPECT_EQ(frame_rate_ratio(30), std::make_pair(30, 1));
    EXPECT_EQ(frame_rate_ratio(10), std::make_pair(10, 1));
    EXPECT_EQ(frame_rate_ratio(29.97002997), std::make_pair(30000, 1001));
    EXPECT_EQ(frame_rate_ratio(23.976), std::make_pair(24000, 1001));
    EXPECT_EQ(frame_rate_ratio(12.5), std::make_pair(25, 2));
    EXPECT_THROW(frame_rate_ratio(0), std::exception);
    EXPECT_THROW(frame_rate_ratio(-5), std::exception);
}

TEST(Y4mWriter, HeaderNamesSizeRateAndChroma) {
    EXPECT_EQ(y4m_header({640, 480}, {30, 1}), "YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n");
}

TEST(Y4mWriter, WritesHeaderThenMarkedI420Frames) {
    testing::TempDir dir;
    const cv::Mat red(6, 8, CV_8UC3, cv::Scalar(0, 0, 255)), blue(6, 8, CV_8UC3, {255, 0, 0});
    {
        Y4mWriter writer(dir.path("out.y4m"), 25);
        EXPECT_TRUE(writer.write(red));
        EXPECT_TRUE(writer.write(blue));
        EXPECT_TRUE(writer.write(red));
        EXPECT_EQ(writer.frames_written(), 3);
    }
    const std::string bytes = read_all(dir.path("out.y4m"));
    const std::string header = "YUV4MPEG2 W8 H6 F25:1 Ip A1:1 C420jpeg\n";
    const size_t frame_bytes = 8 * 6 + 2 * 4 * 3;
    ASSERT_EQ(bytes.size(), header.size() + 3 * (6 + frame_bytes));
    EXPECT_EQ(bytes.substr(0, header.size()), header);
    std::vector<uint8_t> expected;
    for (int i = 0; i < 3; ++i) {
        const size_t at = header.size() + static_cast<size_t>(i) * (6 + frame_bytes);
        EXPECT_EQ(bytes.substr(at, 6), "FRAME\n") << "frame " << i;
        bgr_to_i420(i == 1 ? blue : red, expected);
        EXPECT_EQ(bytes.substr(at + 6, frame_bytes), std::string(expected.begin(), expected.end()))
            << "frame " << i;
    }
    EXPECT_EQ(static_cast<uint8_t>(bytes[header.size() + 6]), 81) << "Y of red";
}

TEST(Y4mWriter, OddSizesKeepTheirSizeWithRoundedUpChroma) {
    testing::TempDir dir;
    {
        Y4mWriter writer(dir.path("odd.y4m"), 30);
        EXPECT_TRUE(writer.write(testing::smooth_noise(5, 7, 1)));
    }
    const std::string bytes = read_all(dir.path("odd.y4m"));
    const std::string header = "YUV4MPEG2 W7 H5 F30:1 Ip A1:1 C420jpeg\n";
    EXPECT_EQ(bytes.substr(0, header.size()), header);
    EXPECT_EQ(bytes.size(), header.size() + 6 + 7 * 5 + 2 * 4 * 3);
}

TEST(Y4mWriter, LaterFramesOfAnotherSizeAreResizedToTheFirst) {
    testing::TempDir dir;
    {
        Y4mWriter writer(dir.path("sizes.y4m"), 30);
        EXPECT_TRUE(writer.write(cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0))));
        EXPECT_TRUE(writer.write(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(255))));
    }
    const std::string bytes = read_all(dir.path("sizes.y4m"));
    const size_t header = std::string("YUV4MPEG2 W4 H4 F30:1 Ip A1:1 C420jpeg\n").size();
    ASSERT_EQ(bytes.size(), header + 2 * (6 + 16 + 8));
    EXPECT_EQ(static_cast<uint8_t>(bytes[header + 6 + 24 + 6]), 235) << "white, resized";
}

TEST(Y4mWriter, RejectsImagesThatAreNotBgr) {
    testing::TempDir dir;
    Y4mWriter writer(dir.path("bad.y4m"), 30);
    EXPECT_THROW(writer.write(cv::Mat(4, 4, CV_8UC1, cv::Scalar(0))), std::exception);
    EXPECT_THROW(writer.write(cv::Mat()), std::exception);
}

TEST(Y4mWriter, AClosedReaderEndsTheStreamWithoutAnError) {
    std::signal(SIGPIPE, SIG_IGN);  // as the app does: EPIPE instead of death
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);  // the reader is gone before the first byte
    Y4mWriter writer(fds[1], "test pipe", 30);
    EXPECT_FALSE(writer.write(cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0))));
    EXPECT_FALSE(writer.write(cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0))));
    EXPECT_EQ(writer.frames_written(), 0);
    ::close(fds[1]);
}

TEST(Y4mWriter, AnUnwritableFileIsOneLineNamingIt) {
    try {
        Y4mWriter writer("/nonexistent-folder/out.y4m", 30);
        FAIL() << "no error";
    } catch (const std::exception& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent-folder/out.y4m"), std::string::npos)
            << error.what();
    }
}

}  // namespace
}  // namespace stylecam
