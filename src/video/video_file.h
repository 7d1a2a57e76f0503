#pragma once
/// Video files through OpenCV's videoio (FFmpeg backend; H.264 files through H264FileWriter):
/// the only place that touches videoio for files. Readers and writers are move-only RAII handles
/// owned by one thread at a time.

#include "video/h264_file_writer.h"

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <memory>
#include <string>

namespace stylecam {

/// True for file names with a video container extension (.mp4, .avi, .mkv, .mov, .webm, ...).
bool has_video_extension(const std::string& path);

struct VideoInfo {
    cv::Size size;
    double fps = 0;            ///< frames per second as the container declares it (>0)
    int64_t frame_count = -1;  ///< the container's estimate; -1 when unknown
};

class VideoReader {
  public:
    /// Opens `path`; throws `Error("<path>: ...")` when it is missing or cannot be decoded.
    explicit VideoReader(const std::string& path);
    VideoReader(VideoReader&&) = default;
    VideoReader& operator=(VideoReader&&) = default;

    const VideoInfo& info() const { return info_; }
    /// Next frame as CV_8UC3 BGR; false at the end of the stream.
    bool read(cv::Mat& frame);

  private:
    std::string path_;
    std::unique_ptr<cv::VideoCapture> capture_;
    VideoInfo info_;
};

/// Writes frames of one fixed size. The codec follows the extension: .mp4, .m4v, .mov and .mkv
/// get H.264 through H264FileWriter (x264 veryfast) when FFmpeg has libx264 and both sides are
/// even, else OpenCV's writer (H.264 at x264's default preset, else MPEG-4 Part 2); .avi: MJPG;
/// .webm: VP8.
class VideoWriter {
  public:
    /// Opens `path` for writing; throws `Error("<path>: ...")` if no codec fits or it cannot be
    /// created.
    /// `timestamped`: `write(frame, seconds)` places frames at their own times where the
    /// container allows it (H.264 files: a variable frame rate with `fps` as the nominal rate);
    /// other writers run at constant `fps` and ignore the times.
    VideoWriter(const std::string& path, cv::Size size, double fps, bool timestamped = false);
    VideoWriter(VideoWriter&&) = default;
    VideoWriter& operator=(VideoWriter&&) = default;
    ~VideoWriter();

    /// Appends a CV_8UC3 BGR frame of the writer's size (`seconds` from the start: see the
    /// constructor; negative: one frame interval after the previous).
    void write(const cv::Mat& frame, double seconds = -1);
    /// Flushes and closes the file (also done by the destructor); the file then plays.
    void close();
    int64_t frames_written() const { return frames_written_; }

  private:
    std::string path_;
    cv::Size size_;
    std::unique_ptr<H264FileWriter> h264_;  ///< when set, writes instead of writer_
    std::unique_ptr<cv::VideoWriter> writer_;
    int64_t frames_written_ = 0;
};

}  // namespace stylecam
