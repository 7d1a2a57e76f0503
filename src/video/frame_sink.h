#pragma once
/// Where a stream of stylized frames goes besides files: a y4m pipe, a V4L2 loopback device.
/// A sink is owned and written by one thread at a time.

#include <opencv2/core.hpp>

#include <string>

namespace stylecam {

class FrameSink {
  public:
    virtual ~FrameSink() = default;
    /// Writes one CV_8UC3 BGR frame (frames after the first are resized to the first's size).
    /// Returns false when the reader went away (a closed pipe): the stream ends cleanly, nothing
    /// more is written. Throws `Error` (one line naming the target) on any other failure.
    virtual bool write(const cv::Mat& bgr) = 0;
    /// "stdout (y4m 640×480 @ 30:1)", "/dev/video4 (YUYV 640×480)".
    virtual std::string describe() const = 0;
    virtual int64_t frames_written() const = 0;
};

}  // namespace stylecam
