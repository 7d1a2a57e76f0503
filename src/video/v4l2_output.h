#pragma once
/// Writes a stream of frames to a V4L2 video *output* device, in practice a v4l2loopback device
/// that Zoom, Meet (Chrome), OBS and others then open as a webcam. The format is negotiated on
/// the first frame: VIDIOC_QUERYCAP (the device must offer V4L2_CAP_VIDEO_OUTPUT), VIDIOC_S_FMT
/// for V4L2_BUF_TYPE_VIDEO_OUTPUT with YUYV (4:2:2 packed, BT.601 limited range, see
/// image/yuv.h), an even width (an odd last column is cropped), bytesperline and sizeimage as the
/// device answers; then one write() per frame. Frames of another size than the device's are
/// resized to it.
///
/// Every system call goes through `VideoDeviceIo`, so that tests can negotiate against a fake
/// device. Threads: one thread owns an output.

#include "video/frame_sink.h"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stylecam {

/// The few system calls a V4L2 output needs; each returns what the system call returns and
/// leaves its failure in `errno`.
class VideoDeviceIo {
  public:
    virtual ~VideoDeviceIo() = default;
    virtual int open(const std::string& path) = 0;  ///< O_RDWR; a descriptor or -1
    virtual int ioctl(int fd, unsigned long request, void* argument) = 0;
    virtual ssize_t write(int fd, const void* data, size_t bytes) = 0;
    virtual int close(int fd) = 0;
};

/// The real calls (open(2), ioctl(2), write(2), close(2)).
std::shared_ptr<VideoDeviceIo> system_video_device_io();

class V4l2Output : public FrameSink {
  public:
    /// Opens `path` and checks that it is a V4L2 output device; throws `Error` with one line
    /// naming the device when it is missing, not a video device, or not an output (loopback).
    /// `fps` is announced to the device (VIDIOC_S_PARM, where it is supported).
    explicit V4l2Output(std::string path, double fps = 30,
                        std::shared_ptr<VideoDeviceIo> io = system_video_device_io());
    ~V4l2Output() override;
    V4l2Output(const V4l2Output&) = delete;
    V4l2Output& operator=(const V4l2Output&) = delete;

    /// Negotiates the format on the first frame (throws `Error` when the device refuses YUYV),
    /// then writes the frame. Throws `Error` when a write fails; never returns false.
    bool write(const cv::Mat& bgr) override;
    std::string describe() const override;
    int64_t frames_written() const override { return frames_; }

    /// The card name from VIDIOC_QUERYCAP ("StyleCam" with card_label=StyleCam).
    const std::string& card() const { return card_; }
    /// The negotiated frame size (empty before the first frame).
    cv::Size size() const { return size_; }

  private:
    void negotiate(cv::Size frame_size);

    std::string path_;
    double fps_;
    std::shared_ptr<VideoDeviceIo> io_;
    int fd_ = -1;
    std::string card_;
    cv::Size size_;
    size_t bytes_per_line_ = 0, image_bytes_ = 0;
    std::vector<uint8_t> buffer_;
    int64_t frames_ = 0;
};

}  // namespace stylecam
