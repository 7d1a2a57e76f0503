#include "video/y4m_writer.h"

#include "core/error.h"
#include "image/yuv.h"

#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <numeric>

namespace stylecam {

std::pair<int, int> frame_rate_ratio(double fps) {
    STYLECAM_CHECK(std::isfinite(fps) && fps > 0 && fps <= 1000, "frame rate ", fps,
                   " fps is not usable (0 < fps <= 1000)");
    const double ntsc = fps * 1001.0 / 1000.0;  // 23.976, 29.97, 59.94 ...
    if (std::abs(fps - std::round(fps)) > 1e-3 && std::abs(ntsc - std::round(ntsc)) < 1e-3)
        return {static_cast<int>(std::round(ntsc)) * 1000, 1001};
    int num = static_cast<int>(std::round(fps * 1000)), den = 1000;
    const int divisor = std::gcd(num, den);
    return {num / divisor, den / divisor};
}

std::string y4m_header(cv::Size size, std::pair<int, int> rate) {
    return "YUV4MPEG2 W" + std::to_string(size.width) + " H" + std::to_string(size.height) + " F" +
           std::to_string(rate.first) + ":" + std::to_string(rate.second) + " Ip A1:1 C420jpeg\n";
}

Y4mWriter::Y4mWriter(const std::string& path, double fps)
    : name_(path == "-" ? "stdout" : path), rate_(frame_rate_ratio(fps)) {
    if (path == "-") {
        fd_ = STDOUT_FILENO;
        return;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    STYLECAM_CHECK(fd_ >= 0, path, ": cannot write (", std::strerror(errno), ")");
    owns_fd_ = true;
}

Y4mWriter::Y4mWriter(int fd, std::string name, double fps)
    : fd_(fd), name_(std::move(name)), rate_(frame_rate_ratio(fps)) {}

Y4mWriter::~Y4mWriter() {
    if (owns_fd_) ::close(fd_);
}

bool Y4mWriter::write_all(const void* data, size_t bytes) {
    const auto* next = static_cast<const uint8_t*>(data);
    while (bytes > 0) {
        const ssize_t done = ::write(fd_, next, bytes);
        if (done < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE) return false;
            STYLECAM_FAIL(name_, ": write failed (", std::strerror(errno), ")");
        }
        next += done;
        bytes -= static_cast<size_t>(done);
    }
    return true;
}

bool Y4mWriter::write(const cv::Mat& bgr) {
    STYLECAM_CHECK(bgr.type() == CV_8UC3 && !bgr.empty(), name_,
                   ": y4m frames must be non-empty CV_8UC3 BGR images");
    if (closed_) return false;
    cv::Mat frame = bgr;
    if (frames_ == 0) {
        size_ = bgr.size();
        const std::string header = y4m_header(size_, rate_);
        if (!write_all(header.data(), header.size())) return !(closed_ = true);
    } else if (bgr.size() != size_) {
        cv::resize(bgr, frame, size_, 0, 0, cv::INTER_AREA);
    }
    static constexpr char kMarker[] = "FRAME\n";
    bgr_to_i420(frame, buffer_);
    if (!write_all(kMarker, sizeof kMarker - 1) || !write_all(buffer_.data(), buffer_.size()))
        return !(closed_ = true);
    ++frames_;
    return true;
}

std::string Y4mWriter::describe() const {
    return name_ + " (y4m " + std::to_string(size_.width) + "x" + std::to_string(size_.height) +
           " @ " + std::to_string(rate_.first) + ":" + std::to_string(rate_.second) + ")";
}

}  // namespace stylecam
