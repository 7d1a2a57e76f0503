/// The V4L2 output against a fake device (format accepted, refused or changed; not a video
/// device; not an output; write errors; the bytes of a known image), and against a real
/// v4l2loopback device when this machine has one.

#include "image/yuv.h"
#include "video/v4l2_output.h"

#include <gtest/gtest.h>

#include <linux/videodev2.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace stylecam {
namespace {

/// A loopback-like output device in memory. Answers QUERYCAP, S_FMT and S_PARM as configured,
/// records the format asked for and every write.
class FakeDevice : public VideoDeviceIo {
  public:
    bool exists = true;
    bool is_video = true;
    uint32_t device_caps = V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING;
    bool refuse_format = false;        ///< S_FMT fails with EINVAL
    uint32_t answer_format = 0;        ///< S_FMT answers this pixel format (0: as asked)
    uint32_t answer_width = 0;         ///< S_FMT answers this width (0: as asked)
    uint32_t answer_bytesperline = 0;  ///< S_FMT answers this stride (0: as asked)
    int write_errno = 0;               ///< write fails with this errno (0: succeeds)

    v4l2_pix_format asked{};
    std::vector<std::vector<uint8_t>> writes;
    int open_fds = 0;

    int open(const std::string&) override {
        if (!exists) {
            errno = ENOENT;
            return -1;
        }
        ++open_fds;
        return 42;
    }
    int ioctl(int fd, unsigned long request, void* argument) override {
        EXPECT_EQ(fd, 42);
        if (!is_video) {
            errno = ENOTTY;
            return -1;
        }
        if (request == VIDIOC_QUERYCAP) {
            auto* caps = static_cast<v4l2_capability*>(argument);
            std::strcpy(reinterpret_cast<char*>(caps->card), "Fake Loopback");
            caps->device_caps = device_caps;
            caps->capabilities = device_caps | V4L2_CAP_DEVICE_CAPS;
            return 0;
        }
        if (request == VIDIOC_S_FMT) {
            auto* format = static_cast<v4l2_format*>(argument);
            EXPECT_EQ(format->type, V4L2_BUF_TYPE_VIDEO_OUTPUT);
            asked = format->fmt.pix;
            if (refuse_format) {
                errno = EINVAL;
                return -1;
            }
            auto& pix = format->fmt.pix;
            if (answer_format) pix.pixelformat = answer_format;
            if (answer_width) pix.width = answer_width;
            if (answer_bytesperline) pix.bytesperline = answer_bytesperline;
            if (answer_width || answer_bytesperline) pix.sizeimage = pix.bytesperline * pix.height;
            return 0;
        }
        errno = EINVAL;  // S_PARM and anything else: unsupported, as on some devices
        return -1;
    }
    ssize_t write(int, const void* data, size_t bytes) override {
        if (write_errno) {
            errno = write_errno;
            return -1;
        }
        const auto* begin = static_cast<const uint8_t*>(data);
        writes.emplace_back(begin, begin + bytes);
        return static_cast<ssize_t>(bytes);
    }
    int close(int) override {
        --open_fds;
        return 0;
    }
};

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "";
}

TEST(V4l2Output, NegotiatesYuyvAndWritesOneFramePerCall) {
    auto device = std::make_shared<FakeDevice>();
    {
        V4l2Output output("/dev/video7", 30, device);
        EXPECT_EQ(output.card(), "Fake Loopback");
        cv::Mat image(4, 6, CV_8UC3, cv::Scalar(0, 0, 255));  // red
        image.col(5).setTo(cv::Scalar(255, 255, 255));        // last column white
        EXPECT_TRUE(output.write(image));
        EXPECT_TRUE(output.write(image));
        EXPECT_EQ(output.frames_written(), 2);
        EXPECT_EQ(output.size(), cv::Size(6, 4));
    }
    EXPECT_EQ(device->open_fds, 0) << "the device is closed";
    EXPECT_EQ(device->asked.pixelformat, V4L2_PIX_FMT_YUYV);
    EXPECT_EQ(device->asked.width, 6u);
    EXPECT_EQ(device->asked.height, 4u);
    EXPECT_EQ(device->asked.bytesperline, 12u);
    EXPECT_EQ(device->asked.sizeimage, 48u);
    EXPECT_EQ(device->asked.field, static_cast<uint32_t>(V4L2_FIELD_NONE));
    ASSERT_EQ(device->writes.size(), 2u);
    ASSERT_EQ(device->writes[0].size(), 48u);
    // red pairs: Y 81, Cb 90, Y 81, Cr 240; the last pair (red, white): Y 81 and 235, chroma of
    // their mean.
    const YuvPixel mean = bgr_to_yuv(128, 128, 255);
    const std::vector<uint8_t> row = {81, 90, 81, 240, 81, 90, 81, 240, 81, mean.u, 235, mean.v};
    for (int r = 0; r < 4; ++r)
        EXPECT_EQ(std::vector<uint8_t>(device->writes[0].begin() + 12 * r,
                                       device->writes[0].begin() + 12 * (r + 1)),
                  row)
            << "row " << r;
}

TEST(V4l2Output, AnOddWidthIsCroppedToEven) {
    auto device = std::make_shared<FakeDevice>();
    V4l2Output output("/dev/video7", 30, device);
    output.write(cv::Mat(3, 5, CV_8UC3, cv::Scalar::all(0)));
    EXPECT_EQ(device->asked.width, 4u);
    EXPECT_EQ(output.size(), cv::Size(4, 3));
    ASSERT_EQ(device->writes.size(), 1u);
    EXPECT_EQ(device->writes[0].size(), 4u * 2u * 3u);
}

TEST(V4l2Output, FollowsTheSizeAndStrideTheDeviceAnswers) {
    auto device = std::make_shared<FakeDevice>();
    device->answer_width = 4;
    device->answer_bytesperline = 16;  // 8 bytes of pixels, 8 of padding per row
    V4l2Output output("/dev/video7", 30, device);
    output.write(cv::Mat(2, 8, CV_8UC3, cv::Scalar::all(255)));
    EXPECT_EQ(output.size(), cv::Size(4, 2));
    ASSERT_EQ(device->writes.size(), 1u);
    ASSERT_EQ(device->writes[0].size(), 32u);
    EXPECT_EQ(int(device->writes[0][0]), 235);
    EXPECT_EQ(int(device->writes[0][8]), 0) << "padding";
    EXPECT_EQ(int(device->writes[0][16]), 235) << "second row at the device's stride";
}

TEST(V4l2Output, AMissingDeviceSaysHowToLoadTheModule) {
    auto device = std::make_shared<FakeDevice>();
    device->exists = false;
    const auto message = error_of([&] { V4l2Output("/dev/video99", 30, device); });
    EXPECT_NE(message.find("/dev/video99: no such device"), std::string::npos) << message;
    EXPECT_NE(message.find("modprobe v4l2loopback"), std::string::npos) << message;
}

TEST(V4l2Output, AFileThatIsNotAVideoDeviceIsRefused) {
    auto device = std::make_shared<FakeDevice>();
    device->is_video = false;
    const auto message = error_of([&] { V4l2Output("/dev/null", 30, device); });
    EXPECT_NE(message.find("/dev/null: not a V4L2 video device"), std::string::npos) << message;
    EXPECT_EQ(device->open_fds, 0);
}

TEST(V4l2Output, ACaptureOnlyDeviceIsNotAnOutput) {
    auto device = std::make_shared<FakeDevice>();
    device->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;  // a real webcam
    const auto message = error_of([&] { V4l2Output("/dev/video0", 30, device); });
    EXPECT_NE(message.find("/dev/video0: 'Fake Loopback' is not a video output (loopback) device"),
              std::string::npos)
        << message;
    EXPECT_EQ(device->open_fds, 0);
}

TEST(V4l2Output, ARefusedFormatIsAnError) {
    auto device = std::make_shared<FakeDevice>();
    device->refuse_format = true;
    V4l2Output refused("/dev/video7", 30, device);
    auto message = error_of([&] { refused.write(cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0))); });
    EXPECT_NE(message.find("/dev/video7: the device refused YUYV 2x2"), std::string::npos)
        << message;

    auto other = std::make_shared<FakeDevice>();
    other->answer_format = V4L2_PIX_FMT_MJPEG;
    V4l2Output changed("/dev/video7", 30, other);
    message = error_of([&] { changed.write(cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0))); });
    EXPECT_NE(message.find("refused YUYV (it offers MJPG)"), std::string::npos) << message;
    EXPECT_TRUE(device->writes.empty());
    EXPECT_TRUE(other->writes.empty());
}

TEST(V4l2Output, AWriteErrorIsOneLineNamingTheDevice) {
    auto device = std::make_shared<FakeDevice>();
    device->write_errno = ENODEV;
    V4l2Output output("/dev/video7", 30, device);
    const auto message =
        error_of([&] { output.write(cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0))); });
    EXPECT_NE(message.find("/dev/video7: write failed (" + std::string(std::strerror(ENODEV))),
              std::string::npos)
        << message;
}

/// The first /dev/video* that opens as an output device (a v4l2loopback); empty: none.
std::string find_loopback_device() {
    namespace fs = std::filesystem;
    for (const auto& entry : fs::directory_iterator("/dev")) {
        const std::string path = entry.path().string();
        if (entry.path().filename().string().rfind("video", 0) != 0) continue;
        try {
            V4l2Output probe(path, 30);
            return path;
        } catch (const std::exception&) {
        }
    }
    return "";
}

TEST(V4l2Output, WritesToARealLoopbackDevice) {
    const std::string path = find_loopback_device();
    if (path.empty())
        GTEST_SKIP() << "no v4l2loopback device (sudo modprobe v4l2loopback exclusive_caps=1)";
    V4l2Output output(path, 30);
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(output.write(cv::Mat(480, 640, CV_8UC3, cv::Scalar(0, 0, 255))));
    EXPECT_EQ(output.frames_written(), 5);
    EXPECT_EQ(output.size(), cv::Size(640, 480));
}

}  // namespace
}  // namespace stylecam
