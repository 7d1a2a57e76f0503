#include "video/video_file.h"

#include "core/error.h"
#include "core/file_util.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

std::vector<int> fourccs_for(const std::string& ext) {
    const auto fourcc = [](const char* code) {
        return cv::VideoWriter::fourcc(code[0], code[1], code[2], code[3]);
    };
    if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") return {fourcc("avc1"), fourcc("mp4v")};
    if (ext == ".mkv") return {fourcc("X264"), fourcc("mp4v"), fourcc("MJPG")};
    if (ext == ".avi") return {fourcc("MJPG"), fourcc("XVID")};
    if (ext == ".webm") return {fourcc("VP80"), fourcc("VP90")};
    return {};
}

/// FFmpeg prints its own complaints ("moov atom not found") to stderr, duplicating our one-line
/// errors. OpenCV reads OPENCV_FFMPEG_LOGLEVEL once, when its FFmpeg backend starts; a value the
/// user set is kept.
void quiet_ffmpeg_once() {
    static const bool done = [] { return ::setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0) == 0; }();
    (void)done;
}

}  // namespace

bool has_video_extension(const std::string& path) {
    static const char* kExtensions[] = {".mp4",  ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg",
                                        ".mpeg", ".wmv", ".flv", ".ogv", ".3gp", ".ts"};
    const std::string ext = lower_extension(path);
    return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                       [&](const char* known) { return ext == known; });
}

VideoReader::VideoReader(const std::string& path)
    : path_(path), capture_(std::make_unique<cv::VideoCapture>()) {
    quiet_ffmpeg_once();
    std::error_code ec;
    STYLECAM_CHECK(fs::exists(path, ec), path, ": file not found");
    STYLECAM_CHECK(fs::is_regular_file(path, ec), path, ": not a regular file");
    bool opened = false;
    try {
        opened = capture_->open(path, cv::CAP_FFMPEG);
    } catch (const cv::Exception&) {
        opened = false;
    }
    STYLECAM_CHECK(opened && capture_->isOpened(), path,
                   ": cannot open video (not a video, corrupt, or an unsupported codec)");
    info_.size = {static_cast<int>(capture_->get(cv::CAP_PROP_FRAME_WIDTH)),
                  static_cast<int>(capture_->get(cv::CAP_PROP_FRAME_HEIGHT))};
    info_.fps = capture_->get(cv::CAP_PROP_FPS);
    if (!(info_.fps > 0 && info_.fps < 1000)) info_.fps = 25.0;
    const double count = capture_->get(cv::CAP_PROP_FRAME_COUNT);
    info_.frame_count = count > 0 ? static_cast<int64_t>(std::llround(count)) : -1;
    STYLECAM_CHECK(info_.size.width > 0 && info_.size.height > 0, path,
                   ": cannot open video (no picture stream)");
}

bool VideoReader::read(cv::Mat& frame) {
    try {
        if (!capture_->read(frame) || frame.empty()) return false;
    } catch (const cv::Exception&) {
        return false;  // a corrupt tail ends the stream like EOF does
    }
    if (frame.type() == CV_8UC1) cv::cvtColor(frame, frame, cv::COLOR_GRAY2BGR);
    return frame.type() == CV_8UC3;
}

VideoWriter::VideoWriter(const std::string& path, cv::Size size, double fps, bool timestamped)
    : path_(path), size_(size), writer_(std::make_unique<cv::VideoWriter>()) {
    quiet_ffmpeg_once();
    STYLECAM_CHECK(size.width > 0 && size.height > 0, path, ": invalid frame size ", size.width,
                   "x", size.height);
    STYLECAM_CHECK(fps > 0, path, ": invalid frame rate ", fps);
    const auto ext = lower_extension(path);
    const auto candidates = fourccs_for(ext);
    STYLECAM_CHECK(!candidates.empty(), path, ": unknown video format '", ext,
                   "' (use .mp4, .mkv, .avi or .webm)");
    if (ext == ".mp4" || ext == ".m4v" || ext == ".mov" || ext == ".mkv") {
        h264_ = H264FileWriter::open(path, size, fps, timestamped);
        if (h264_) return;
    }
    for (int fourcc : candidates) {
        try {
            if (writer_->open(path, cv::CAP_FFMPEG, fourcc, fps, size, true)) return;
        } catch (const cv::Exception&) {
        }
    }
    STYLECAM_FAIL(path, ": cannot create video file (no working encoder for '", ext,
                  "', or the folder is not writable)");
}

VideoWriter::~VideoWriter() {
    try {
        close();
    } catch (const std::exception&) {  // the file stays as far as it got
    }
}

void VideoWriter::write(const cv::Mat& frame, double seconds) {
    STYLECAM_CHECK(h264_ || (writer_ && writer_->isOpened()), path_, ": video writer is closed");
    STYLECAM_CHECK(frame.type() == CV_8UC3 && frame.size() == size_, path_,
                   ": frame does not match the video's size or type");
    if (h264_)
        h264_->write(frame, seconds);
    else
        writer_->write(frame);
    ++frames_written_;
}

void VideoWriter::close() {
    if (h264_) h264_->close();
    if (writer_ && writer_->isOpened()) writer_->release();
}

}  // namespace stylecam
