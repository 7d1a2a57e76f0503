#include "video/v4l2_output.h"

#include "core/error.h"
#include "image/yuv.h"

#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

namespace stylecam {
namespace {

class SystemVideoDeviceIo : public VideoDeviceIo {
  public:
    int open(const std::string& path) override { return ::open(path.c_str(), O_RDWR | O_CLOEXEC); }
    int ioctl(int fd, unsigned long request, void* argument) override {
        int result;
        do {
            result = ::ioctl(fd, request, argument);
        } while (result < 0 && errno == EINTR);
        return result;
    }
    ssize_t write(int fd, const void* data, size_t bytes) override {
        return ::write(fd, data, bytes);
    }
    int close(int fd) override { return ::close(fd); }
};

constexpr const char* kLoopbackHint =
    "load v4l2loopback: sudo modprobe v4l2loopback exclusive_caps=1 card_label=StyleCam";

std::string fourcc_text(uint32_t code) {
    std::string text(4, ' ');
    for (int i = 0; i < 4; ++i)
        text[static_cast<size_t>(i)] = static_cast<char>((code >> (8 * i)) & 0xff);
    return text;
}

}  // namespace

std::shared_ptr<VideoDeviceIo> system_video_device_io() {
    return std::make_shared<SystemVideoDeviceIo>();
}

V4l2Output::V4l2Output(std::string path, double fps, std::shared_ptr<VideoDeviceIo> io)
    : path_(std::move(path)), fps_(fps), io_(std::move(io)) {
    fd_ = io_->open(path_);
    if (fd_ < 0) {
        const int error = errno;
        STYLECAM_CHECK(error != ENOENT, path_, ": no such device (", kLoopbackHint, ")");
        STYLECAM_FAIL(path_, ": cannot open (", std::strerror(error), ")");
    }
    v4l2_capability caps{};
    if (io_->ioctl(fd_, VIDIOC_QUERYCAP, &caps) < 0) {
        const int error = errno;
        io_->close(fd_);
        fd_ = -1;
        STYLECAM_FAIL(path_, ": not a V4L2 video device (VIDIOC_QUERYCAP: ", std::strerror(error),
                      ")");
    }
    card_.assign(reinterpret_cast<const char*>(caps.card),
                 strnlen(reinterpret_cast<const char*>(caps.card), sizeof caps.card));
    const uint32_t device_caps =
        (caps.capabilities & V4L2_CAP_DEVICE_CAPS) ? caps.device_caps : caps.capabilities;
    if (!(device_caps & V4L2_CAP_VIDEO_OUTPUT)) {
        io_->close(fd_);
        fd_ = -1;
        STYLECAM_FAIL(path_, ": '", card_,
                      "' is not a video output (loopback) device; with exclusive_caps=1 it may "
                      "already have a writer (",
                      kLoopbackHint, ")");
    }
}

V4l2Output::~V4l2Output() {
    if (fd_ >= 0) io_->close(fd_);
}

void V4l2Output::negotiate(cv::Size frame_size) {
    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    auto& pix = format.fmt.pix;
    pix.width = static_cast<uint32_t>(frame_size.width & ~1);  // YUYV pairs: even width
    pix.height = static_cast<uint32_t>(frame_size.height);
    pix.pixelformat = V4L2_PIX_FMT_YUYV;
    pix.field = V4L2_FIELD_NONE;
    pix.bytesperline = pix.width * 2;
    pix.sizeimage = pix.bytesperline * pix.height;
    pix.colorspace = V4L2_COLORSPACE_SMPTE170M;
    pix.quantization = V4L2_QUANTIZATION_LIM_RANGE;
    if (io_->ioctl(fd_, VIDIOC_S_FMT, &format) < 0)
        STYLECAM_FAIL(path_, ": the device refused YUYV ", pix.width, "x", pix.height,
                      " (VIDIOC_S_FMT: ", std::strerror(errno), ")");
    STYLECAM_CHECK(pix.pixelformat == V4L2_PIX_FMT_YUYV, path_,
                   ": the device refused YUYV (it offers ", fourcc_text(pix.pixelformat), ")");
    STYLECAM_CHECK(pix.width > 0 && pix.height > 0 && pix.width % 2 == 0, path_,
                   ": the device answered an unusable size ", pix.width, "x", pix.height);
    size_ = cv::Size(static_cast<int>(pix.width), static_cast<int>(pix.height));
    bytes_per_line_ = std::max<size_t>(pix.bytesperline, 2 * pix.width);
    image_bytes_ = std::max<size_t>(pix.sizeimage, bytes_per_line_ * pix.height);

    v4l2_streamparm parm{};  // the rate consumers see; optional (not every device takes it)
    parm.type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
    parm.parm.output.timeperframe.numerator = 1000;
    parm.parm.output.timeperframe.denominator =
        static_cast<uint32_t>(std::lround(std::max(1.0, fps_) * 1000));
    io_->ioctl(fd_, VIDIOC_S_PARM, &parm);
}

bool V4l2Output::write(const cv::Mat& bgr) {
    STYLECAM_CHECK(bgr.type() == CV_8UC3 && !bgr.empty(), path_,
                   ": frames must be non-empty CV_8UC3 BGR images");
    if (size_.empty()) negotiate(bgr.size());
    cv::Mat frame = bgr;
    if (bgr.size() == cv::Size(size_.width + 1, size_.height)) {
        frame = bgr(cv::Rect(0, 0, size_.width, size_.height));  // the odd last column
    } else if (bgr.size() != size_) {
        cv::resize(bgr, frame, size_, 0, 0, cv::INTER_AREA);
    }
    bgr_to_yuyv(frame, bytes_per_line_, buffer_);
    buffer_.resize(image_bytes_, 0);
    size_t done = 0;
    while (done < buffer_.size()) {
        const ssize_t written = io_->write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0)
            STYLECAM_FAIL(path_, ": write failed (",
                          written < 0 ? std::strerror(errno) : "nothing written", ")");
        done += static_cast<size_t>(written);
    }
    ++frames_;
    return true;
}

std::string V4l2Output::describe() const {
    return path_ + " ('" + card_ + "', YUYV " + std::to_string(size_.width) + "x" +
           std::to_string(size_.height) + ")";
}

}  // namespace stylecam
