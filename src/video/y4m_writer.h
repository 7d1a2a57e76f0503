#pragma once
/// YUV4MPEG2 ("y4m") output: uncompressed planar 4:2:0 frames that ffmpeg, GStreamer, mpv and
/// OBS (through ffmpeg) read from a pipe or a file. Stream header
/// `YUV4MPEG2 W<w> H<h> F<num>:<den> Ip A1:1 C420jpeg`, then per frame `FRAME\n` and the I420
/// planes (Y, Cb, Cr; BT.601 limited range, chroma ceil(w/2) × ceil(h/2), centred siting — see
/// image/yuv.h). Odd sizes are written as they are (the chroma planes round up), as ffmpeg
/// expects.
///
/// Threads: one thread owns a writer. A closed reader (EPIPE) ends the stream: `write` returns
/// false; the process must ignore SIGPIPE (the app does) for EPIPE to arrive instead of death.

#include "video/frame_sink.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stylecam {

/// A frame rate as the ratio y4m and containers want: 30 → 30:1, 29.97 → 30000:1001,
/// 12.5 → 25:2. Throws `Error` unless 0 < fps ≤ 1000.
std::pair<int, int> frame_rate_ratio(double fps);

/// The stream header line, with its newline.
std::string y4m_header(cv::Size size, std::pair<int, int> rate);

class Y4mWriter : public FrameSink {
  public:
    /// `path` "-" is standard output (not closed at the end); anything else a file, created or
    /// truncated (throws `Error("<path>: ...")` when it cannot be). `fps` > 0: the declared rate.
    Y4mWriter(const std::string& path, double fps);
    /// Writes to an open descriptor it does not own (tests, pipes set up by the caller).
    Y4mWriter(int fd, std::string name, double fps);
    ~Y4mWriter() override;
    Y4mWriter(const Y4mWriter&) = delete;
    Y4mWriter& operator=(const Y4mWriter&) = delete;

    /// The header goes out with the first frame, whose size fixes the stream's.
    bool write(const cv::Mat& bgr) override;
    std::string describe() const override;
    int64_t frames_written() const override { return frames_; }

  private:
    /// Writes all of `data`, retrying on EINTR and short writes; false on EPIPE.
    bool write_all(const void* data, size_t bytes);

    int fd_ = -1;
    bool owns_fd_ = false;
    std::string name_;
    std::pair<int, int> rate_;
    cv::Size size_;
    int64_t frames_ = 0;
    std::vector<uint8_t> buffer_;
    bool closed_ = false;  ///< the reader went away
};

}  // namespace stylecam
