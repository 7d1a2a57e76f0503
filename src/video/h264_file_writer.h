#pragma once
/// H.264 video files written through FFmpeg's libraries directly (libavformat with libx264), at
/// x264's "veryfast" preset and CRF 23. OpenCV 4.6's writer runs x264 at its default preset
/// (medium: about 11 ms of CPU per 640×480 frame on the development machine) and gives no way to
/// change it; veryfast spends about a quarter of that, which a video pipeline that shares two
/// cores with the network gets back as frames per second. The container follows the extension
/// (.mp4, .m4v, .mov, .mkv). Frames are BGR; they are converted to YUV 4:2:0 (BT.601, limited
/// range, as FFmpeg reads untagged SD video back). Owned by one thread at a time.

#include <opencv2/core.hpp>

#include <memory>
#include <string>

namespace stylecam {

class H264FileWriter {
  public:
    /// Creates `path` for frames of `size` at `fps`. Returns nullptr when this FFmpeg has no
    /// libx264 encoder, when the size is odd (4:2:0 needs even sides) or when FFmpeg knows no
    /// container for the extension: the caller then uses another writer. Throws
    /// `Error("<path>: ...")` when the file cannot be created or the encoder refuses to start.
    /// `timestamped`: frames carry their own times (`write(bgr, seconds)`), a variable frame
    /// rate in a 1/90000 s time base, with `fps` as the nominal rate; else constant `fps`.
    static std::unique_ptr<H264FileWriter> open(const std::string& path, cv::Size size, double fps,
                                                bool timestamped = false);

    ~H264FileWriter();
    H264FileWriter(const H264FileWriter&) = delete;
    H264FileWriter& operator=(const H264FileWriter&) = delete;

    /// Encodes a CV_8UC3 BGR frame of the writer's size as the next frame: one frame interval
    /// after the previous one, or, for a timestamped writer and `seconds` ≥ 0, at `seconds` from
    /// the start (kept after the previous frame). Throws `Error("<path>: ...")` when FFmpeg
    /// reports a failure (e.g. the disk is full).
    void write(const cv::Mat& bgr, double seconds = -1);
    /// Drains the encoder and writes the container's index; the file then plays. Idempotent;
    /// the destructor closes too (and swallows errors there).
    void close();

  private:
    struct State;
    explicit H264FileWriter(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace stylecam
