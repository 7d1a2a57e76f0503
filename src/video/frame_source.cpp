#include "video/frame_source.h"

#include "core/error.h"
#include "image/picture.h"
#include "video/video_file.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

namespace stylecam {
namespace {

using Clock = std::chrono::steady_clock;

/// Sleeps so that successive `wait()` calls return `fps` times a second (no drift).
class Pacer {
  public:
    explicit Pacer(double fps)
        : period_(std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(1.0 / fps))) {}
    void wait() {
        const auto now = Clock::now();
        if (next_ == Clock::time_point{} || now - next_ > 4 * period_) next_ = now;  // (re)start
        std::this_thread::sleep_until(next_);
        next_ += period_;
    }

  private:
    Clock::duration period_;
    Clock::time_point next_{};
};

std::string size_text(cv::Size size) {
    return std::to_string(size.width) + "x" + std::to_string(size.height);
}

class CameraSource : public FrameSource {
  public:
    explicit CameraSource(const SourceSpec& spec) : index_(spec.camera_index) {
        bool opened = false;
        try {
            opened = capture_.open(index_, cv::CAP_V4L2);
        } catch (const cv::Exception&) {
        }
        STYLECAM_CHECK(opened && capture_.isOpened(), "camera ", index_,
                       ": cannot open (no camera, or it is in use)");
        capture_.set(cv::CAP_PROP_FRAME_WIDTH, spec.size.width);
        capture_.set(cv::CAP_PROP_FRAME_HEIGHT, spec.size.height);
        capture_.set(cv::CAP_PROP_FPS, spec.fps);
        cv::Mat probe;
        STYLECAM_CHECK(read(probe), "camera ", index_, ": opened but delivers no frames");
        size_ = probe.size();
        fps_ = capture_.get(cv::CAP_PROP_FPS);
    }
    bool read(cv::Mat& frame) override {
        try {
            if (!capture_.read(frame) || frame.empty()) return false;
        } catch (const cv::Exception&) {
            return false;
        }
        if (frame.channels() == 1) cv::cvtColor(frame, frame, cv::COLOR_GRAY2BGR);
        return frame.type() == CV_8UC3;
    }
    std::string describe() const override {
        std::ostringstream text;
        text << "camera " << index_ << " (" << size_text(size_) << " @ " << fps_ << " fps)";
        return text.str();
    }

  private:
    int index_;
    cv::VideoCapture capture_;
    cv::Size size_;
    double fps_ = 0;
};

class VideoLoopSource : public FrameSource {
  public:
    explicit VideoLoopSource(const std::string& path)
        : path_(path), reader_(std::make_unique<VideoReader>(path)), pacer_(reader_->info().fps) {}
    bool read(cv::Mat& frame) override {
        pacer_.wait();
        if (reader_->read(frame)) return true;
        reader_ = std::make_unique<VideoReader>(path_);  // loop
        return reader_->read(frame);
    }
    std::string describe() const override {
        std::ostringstream text;
        text << path_ << " (" << size_text(reader_->info().size) << " @ " << reader_->info().fps
             << " fps, looped)";
        return text.str();
    }

  private:
    std::string path_;
    std::unique_ptr<VideoReader> reader_;
    Pacer pacer_;
};

class StillImageSource : public FrameSource {
  public:
    StillImageSource(const std::string& path, double fps)
        : path_(path), image_(read_picture(path).bgr), fps_(fps), pacer_(fps) {}
    bool read(cv::Mat& frame) override {
        pacer_.wait();
        image_.copyTo(frame);
        return true;
    }
    std::string describe() const override {
        return path_ + " (" + size_text(image_.size()) + " still image)";
    }

  private:
    std::string path_;
    cv::Mat image_;
    double fps_;
    Pacer pacer_;
};

class TestPatternSource : public FrameSource {
  public:
    TestPatternSource(cv::Size size, double fps) : size_(size), fps_(fps), pacer_(fps) {}
    bool read(cv::Mat& frame) override {
        pacer_.wait();
        frame = test_pattern_frame(size_, index_++);
        return true;
    }
    std::string describe() const override {
        std::ostringstream text;
        text << "test pattern (" << size_text(size_) << " @ " << fps_ << " fps)";
        return text.str();
    }

  private:
    cv::Size size_;
    double fps_;
    Pacer pacer_;
    int64_t index_ = 0;
};

}  // namespace

cv::Mat test_pattern_frame(cv::Size size, int64_t index) {
    cv::Mat frame(size, CV_8UC3);
    static const cv::Scalar kBars[] = {{255, 255, 255}, {0, 255, 255}, {255, 255, 0}, {0, 255, 0},
                                       {255, 0, 255},   {0, 0, 255},   {255, 0, 0},   {40, 40, 40}};
    const int bars = 8;
    for (int i = 0; i < bars; ++i)
        cv::rectangle(frame, cv::Rect(i * size.width / bars, 0, size.width / bars + 1, size.height),
                      kBars[i], cv::FILLED);
    const double phase = static_cast<double>(index) * 0.08;
    const cv::Point center(static_cast<int>(size.width * (0.5 + 0.35 * std::cos(phase))),
                           static_cast<int>(size.height * (0.5 + 0.3 * std::sin(phase * 1.3))));
    cv::circle(frame, center, std::max(2, size.height / 8), cv::Scalar(30, 120, 240), cv::FILLED);
    cv::putText(frame, std::to_string(index), cv::Point(8, size.height - 10),
                cv::FONT_HERSHEY_SIMPLEX, std::max(0.4, size.height / 400.0), cv::Scalar(0, 0, 0),
                2);
    return frame;
}

std::unique_ptr<FrameSource> open_frame_source(const SourceSpec& spec) {
    switch (spec.kind) {
        case SourceSpec::Kind::Camera:
            return std::make_unique<CameraSource>(spec);
        case SourceSpec::Kind::TestPattern:
            STYLECAM_CHECK(spec.size.width > 0 && spec.size.height > 0 && spec.fps > 0,
                           "test pattern: size and fps must be positive");
            return std::make_unique<TestPatternSource>(spec.size, spec.fps);
        case SourceSpec::Kind::File:
            if (has_video_extension(spec.path)) return std::make_unique<VideoLoopSource>(spec.path);
            return std::make_unique<StillImageSource>(spec.path, spec.fps);
    }
    STYLECAM_FAIL("unknown source kind");
}

}  // namespace stylecam
