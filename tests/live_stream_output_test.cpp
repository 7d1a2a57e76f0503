/// The constant-rate stream output with fake sinks: nothing before the first frame, the frame
/// count, the newest frame written (and repeated), a reader that goes away, a failing sink.

#include "core/error.h"
#include "live/stream_output.h"

#include <gtest/gtest.h>

#include <thread>

namespace stylecam {
namespace {

/// Records the first pixel of every frame; ends (false) or throws after `limit` frames.
class FakeSink : public FrameSink {
  public:
    enum class AtLimit { Nothing, ReaderGone, Fail };
    explicit FakeSink(std::vector<int>* seen, int64_t limit = -1,
                      AtLimit at_limit = AtLimit::Nothing)
        : seen_(seen), limit_(limit), at_limit_(at_limit) {}
    bool write(const cv::Mat& bgr) override {
        if (frames_ == limit_) {
            if (at_limit_ == AtLimit::Fail) STYLECAM_FAIL("fake: write failed (No space left)");
            if (at_limit_ == AtLimit::ReaderGone) return false;
        }
        seen_->push_back(bgr.at<cv::Vec3b>(0, 0)[0]);
        ++frames_;
        return true;
    }
    std::string describe() const override { return "fake"; }
    int64_t frames_written() const override { return frames_; }

  private:
    std::vector<int>* seen_;
    int64_t limit_;
    AtLimit at_limit_;
    int64_t frames_ = 0;
};

cv::Mat frame(int value) { return cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(value)); }

void wait_finished(const LiveStreamOutput& output) {
    while (!output.finished()) std::this_thread::yield();
}

std::vector<std::unique_ptr<FrameSink>> sinks(std::unique_ptr<FrameSink> sink) {
    std::vector<std::unique_ptr<FrameSink>> all;
    all.push_back(std::move(sink));
    return all;
}

TEST(LiveStreamOutput, RepeatsTheNewestFrameUpToTheFrameCount) {
    std::vector<int> seen;
    LiveStreamOutput output(sinks(std::make_unique<FakeSink>(&seen)), 1000, 5);
    EXPECT_EQ(output.frames_written(), 0) << "nothing before the first frame";
    output.offer(frame(7));
    wait_finished(output);
    output.stop();
    EXPECT_EQ(output.frames_written(), 5);
    EXPECT_EQ(seen, std::vector<int>(5, 7));
    EXPECT_FALSE(output.failed());
    EXPECT_EQ(output.end_reason(), "");
}

TEST(LiveStreamOutput, AReaderThatGoesAwayEndsItWithoutFailure) {
    std::vector<int> seen;
    LiveStreamOutput output(
        sinks(std::make_unique<FakeSink>(&seen, 2, FakeSink::AtLimit::ReaderGone)), 1000);
    output.offer(frame(3));
    wait_finished(output);
    EXPECT_EQ(output.frames_written(), 2);
    EXPECT_FALSE(output.failed());
    EXPECT_EQ(output.end_reason(), "the reader closed fake");
    output.offer(frame(4));  // ignored after the end
    output.stop();
    EXPECT_EQ(seen.size(), 2u);
}

TEST(LiveStreamOutput, AFailingSinkIsReported) {
    std::vector<int> seen;
    LiveStreamOutput output(sinks(std::make_unique<FakeSink>(&seen, 1, FakeSink::AtLimit::Fail)),
                            1000);
    output.offer(frame(1));
    wait_finished(output);
    output.stop();
    EXPECT_TRUE(output.failed());
    EXPECT_EQ(output.end_reason(), "fake: write failed (No space left)");
}

TEST(LiveStreamOutput, StopsWithoutAnyFrame) {
    std::vector<int> seen;
    LiveStreamOutput output(sinks(std::make_unique<FakeSink>(&seen)), 30, 10);
    output.stop();
    EXPECT_FALSE(output.finished());
    EXPECT_TRUE(seen.empty());
}

}  // namespace
}  // namespace stylecam
