/// Streaming out as a user runs it: `live --no-window --pipe-out` and `stylize --pipe-out` give
/// y4m streams that FFmpeg decodes (libavformat through OpenCV here; the `ffmpeg` program too
/// where it is installed) with the right frame count, size and rate; a reader that goes away
/// ends the program cleanly; a missing virtual camera is one line naming it.

#include "test_support.h"

#include <opencv2/videoio.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace stylecam {
namespace {

using testing::run_shell;
using testing::run_stylecam;
using testing::TempDir;

std::string quote(const std::string& text) { return "'" + text + "'"; }

const std::string kFfmpeg = "/usr/bin/ffmpeg";

struct Y4mStream {
    int width = 0, height = 0;
    std::string rate;     ///< "30:1"
    int64_t frames = 0;   ///< complete frames
    size_t trailing = 0;  ///< bytes after the last complete frame (0 for a well-formed stream)
};

/// Parses a y4m stream's header and walks its frames (4:2:0 planes).
Y4mStream parse_y4m(const std::string& bytes) {
    Y4mStream stream;
    const size_t end_of_header = bytes.find('\n');
    if (bytes.rfind("YUV4MPEG2 ", 0) != 0 || end_of_header == std::string::npos) return stream;
    std::istringstream fields(bytes.substr(10, end_of_header - 10));
    for (std::string field; fields >> field;) {
        if (field[0] == 'W') stream.width = std::stoi(field.substr(1));
        if (field[0] == 'H') stream.height = std::stoi(field.substr(1));
        if (field[0] == 'F') stream.rate = field.substr(1);
    }
    const size_t frame_bytes = static_cast<size_t>(stream.width) * stream.height +
                               2 * static_cast<size_t>((stream.width + 1) / 2) *
                                   static_cast<size_t>((stream.height + 1) / 2);
    size_t at = end_of_header + 1;
    while (at + 6 + frame_bytes <= bytes.size() && bytes.compare(at, 6, "FRAME\n") == 0) {
        ++stream.frames;
        at += 6 + frame_bytes;
    }
    stream.trailing = bytes.size() - at;
    return stream;
}

struct Decoded {
    int64_t frames = 0;
    cv::Size size;
    double fps = 0;
};

/// Decodes a y4m file with FFmpeg's demuxer (OpenCV's FFmpeg backend).
Decoded decode_with_ffmpeg_library(const std::string& path) {
    cv::VideoCapture capture(path, cv::CAP_FFMPEG);
    Decoded decoded;
    if (!capture.isOpened()) return decoded;
    decoded.fps = capture.get(cv::CAP_PROP_FPS);
    for (cv::Mat frame; capture.read(frame); ++decoded.frames) decoded.size = frame.size();
    return decoded;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

const std::string kLive =
    "live --test-pattern --no-window --width 96 --height 64 --fps 15 --style candy --device cpu";

TEST(StreamCli, LivePipeOutOnStdoutIsAY4mStreamWithLogsOnStderr) {
    TempDir dir;
    const auto run = run_stylecam(kLive + " --frames 12 --pipe-out -");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Y4mStream stream = parse_y4m(run.out);
    EXPECT_EQ(stream.width, 96);
    EXPECT_EQ(stream.height, 64);
    EXPECT_EQ(stream.rate, "15:1");
    EXPECT_EQ(stream.frames, 12);
    EXPECT_EQ(stream.trailing, 0u);
    EXPECT_EQ(run.out.find("stylecam:"), std::string::npos) << "a log line on stdout";
    EXPECT_NE(run.err.find("streamed 12 frames to stdout"), std::string::npos) << run.err;

    write_file(dir.path("live.y4m"), run.out);
    const Decoded decoded = decode_with_ffmpeg_library(dir.path("live.y4m"));
    EXPECT_EQ(decoded.frames, 12);
    EXPECT_EQ(decoded.size, cv::Size(96, 64));
    EXPECT_DOUBLE_EQ(decoded.fps, 15.0);
}

TEST(StreamCli, LivePipeOutWritesAFile) {
    TempDir dir;
    const auto run = run_stylecam(kLive + " --frames 5 --pipe-out " + quote(dir.path("a.y4m")));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Decoded decoded = decode_with_ffmpeg_library(dir.path("a.y4m"));
    EXPECT_EQ(decoded.frames, 5);
    EXPECT_EQ(decoded.size, cv::Size(96, 64));
}

TEST(StreamCli, LivePipedIntoTheFfmpegProgram) {
    if (!std::filesystem::exists(kFfmpeg)) GTEST_SKIP() << "needs " << kFfmpeg << " (absent)";
    TempDir dir;
    const auto run = run_shell(
        std::string(STYLECAM_EXE) + " " + kLive + " --frames 20 --pipe-out - | " + kFfmpeg +
        " -v error -y -i - -c:v rawvideo -pix_fmt bgr24 " + quote(dir.path("out.avi")));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Decoded decoded = decode_with_ffmpeg_library(dir.path("out.avi"));
    EXPECT_EQ(decoded.frames, 20);
    EXPECT_EQ(decoded.size, cv::Size(96, 64));
    EXPECT_DOUBLE_EQ(decoded.fps, 15.0);
}

TEST(StreamCli, AReaderThatGoesAwayEndsLiveCleanly) {
    TempDir dir;
    // No --frames: only the closed pipe can end it. `head` takes the header and a few bytes.
    const std::string script = dir.path("run.sh");
    write_file(script, "timeout 120 " + std::string(STYLECAM_EXE) + " " + kLive +
                           " --pipe-out - 2>" + quote(dir.path("err.txt")) +
                           " | head -c 5000 >/dev/null\nexit ${PIPESTATUS[0]}\n");
    const auto run = run_shell("bash " + quote(script));
    std::ifstream err_file(dir.path("err.txt"));
    const std::string err((std::istreambuf_iterator<char>(err_file)),
                          std::istreambuf_iterator<char>());
    EXPECT_EQ(run.exit_code, 0) << err;
    EXPECT_NE(err.find("stopped: the reader closed stdout"), std::string::npos) << err;
}

TEST(StreamCli, StylizePipeOutOfAClipDecodes) {
    const std::string clip = testing::sample_data("vtest.avi");
    STYLECAM_REQUIRE_FILE(clip);
    TempDir dir;
    const auto run = run_stylecam("stylize -m candy --device cpu --scale 0.25 --max-frames 6 -i " +
                                  quote(clip) + " --pipe-out -");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Y4mStream stream = parse_y4m(run.out);
    EXPECT_EQ(stream.frames, 6);
    EXPECT_EQ(stream.trailing, 0u);
    EXPECT_NE(run.err.find("wrote stdout (6 frames"), std::string::npos) << run.err;
    write_file(dir.path("clip.y4m"), run.out);
    const Decoded decoded = decode_with_ffmpeg_library(dir.path("clip.y4m"));
    cv::VideoCapture source(clip, cv::CAP_FFMPEG);
    EXPECT_EQ(decoded.frames, 6);
    EXPECT_EQ(decoded.size, cv::Size(static_cast<int>(source.get(cv::CAP_PROP_FRAME_WIDTH)),
                                     static_cast<int>(source.get(cv::CAP_PROP_FRAME_HEIGHT))));
    EXPECT_NEAR(decoded.fps, source.get(cv::CAP_PROP_FPS), 1e-3);
}

TEST(StreamCli, StylizePipeOutNeedsAVideoAndExcludesOutput) {
    const auto image = run_stylecam("stylize -m candy -i " +
                                    quote(std::string(STYLECAM_SOURCE_DIR) + "/models/README.md") +
                                    " --pipe-out -");
    EXPECT_EQ(image.exit_code, 1);
    EXPECT_NE(image.err.find("--pipe-out needs a video input"), std::string::npos) << image.err;
    const auto neither =
        run_stylecam("stylize -m candy -i " + quote(testing::sample_data("vtest.avi")));
    EXPECT_EQ(neither.exit_code, 1);
    EXPECT_NE(neither.err.find("give -o/--output or --pipe-out"), std::string::npos) << neither.err;
}

TEST(StreamCli, AMissingVirtualCameraIsOneLineNamingIt) {
    const auto run = run_stylecam(kLive + " --frames 3 --virtual-camera /dev/video99");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find("/dev/video99: no such device"), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST(StreamCli, AFileThatIsNotAVideoDeviceIsRefused) {
    const auto run = run_stylecam(kLive + " --frames 3 --virtual-camera /dev/null");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find("/dev/null: not a V4L2 video device"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace stylecam
