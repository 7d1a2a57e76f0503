#include "live/live_pipeline.h"
#include "core/error.h"
#include "gui/view_layout.h"
#include "live/mailbox.h"
#include "nets/model_file.h"
#include "test_support.h"
#include "video/video_file.h"

#include <thread>

namespace stylecam {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

TEST(Mailbox, LatestWinsAndDropsAreCounted) {
    Mailbox<int> box;
    EXPECT_FALSE(box.try_take());
    box.put(1);
    box.put(2);
    box.put(3);
    EXPECT_EQ(box.dropped(), 2);
    EXPECT_EQ(box.try_take(), 3);
    EXPECT_FALSE(box.try_take());
    std::thread producer([&] {
        std::this_thread::sleep_for(20ms);
        box.put(4);
    });
    EXPECT_EQ(box.take(2s), 4);
    producer.join();
    box.close();
    EXPECT_FALSE(box.take(10s));  // returns at once after close
}

TEST(RateMeter, MeasuresEventsPerSecond) {
    RateMeter meter;
    const auto start = RateMeter::Clock::now();
    for (int i = 0; i <= 20; ++i) meter.tick(start + i * 50ms);  // 20 Hz
    EXPECT_NEAR(meter.rate(start + 1000ms), 20.0, 0.01);
    EXPECT_EQ(meter.rate(start + 10s), 0.0);  // window passed
}

TEST(ViewLayout, SideBySideKeepsAspectInEachHalf) {
    const auto layout = layout_views({320, 0, 1280, 720}, cv::Size(640, 480), ViewMode::SideBySide);
    EXPECT_FLOAT_EQ(layout.original.w, 640);
    EXPECT_FLOAT_EQ(layout.original.h, 480);
    EXPECT_FLOAT_EQ(layout.original.x, 320);
    EXPECT_FLOAT_EQ(layout.original.y, 120);
    EXPECT_FLOAT_EQ(layout.stylized.x, 960);
    const auto wipe = layout_views({0, 0, 800, 800}, cv::Size(400, 200), ViewMode::Wipe);
    EXPECT_FLOAT_EQ(wipe.stylized.h, 400);
    EXPECT_FLOAT_EQ(wipe.original.y, wipe.stylized.y);
    EXPECT_FLOAT_EQ(layout_views({0, 0, 800, 600}, cv::Size(4, 3), ViewMode::Stylized).stylized.w,
                    800);
    EXPECT_EQ(layout_views({0, 0, 800, 600}, cv::Size(4, 3), ViewMode::Stylized).original.w, 0);
}

class Pipeline : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* name : {"a", "b"}) {
            TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
            save_transformer_net(dir_.path(std::string(name) + ".safetensors"), net);
            settings_.styles.push_back({name, dir_.path(std::string(name) + ".safetensors")});
        }
        settings_.stylizer.network.device = DeviceKind::Cpu;
        settings_.source.kind = SourceSpec::Kind::TestPattern;
        settings_.source.size = {64, 48};
        settings_.source.fps = 25;
        settings_.thumbnail_every = 2;
    }
    std::optional<LiveResult> wait_for_result(LivePipeline& pipeline, int style = -1) {
        const auto until = LiveClock::now() + 10s;
        while (LiveClock::now() < until) {
            if (auto result = pipeline.take_result())
                if (style < 0 || result->style == style) return result;
            std::this_thread::sleep_for(5ms);
        }
        return std::nullopt;
    }
    TempDir dir_;
    LiveSettings settings_;
};

TEST_F(Pipeline, ReportsTheTrueCaptureRate) {
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    std::this_thread::sleep_for(2500ms);
    EXPECT_NEAR(pipeline.stats().capture_fps, 25.0, 2.5);
    pipeline.stop();
    const auto stats = pipeline.stats();
    EXPECT_GT(stats.stylized, 5);
    EXPECT_GE(stats.captured, 55);
    // Every captured frame was stylized, overwritten (dropped) or still in the mailbox.
    EXPECT_GE(stats.captured - stats.stylized - stats.dropped, 0);
    EXPECT_LE(stats.captured - stats.stylized - stats.dropped, 1);
    EXPECT_TRUE(stats.error.empty()) << stats.error;
}

TEST_F(Pipeline, ResultsPairTheFrameWithItsStylizedVersion) {
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    const auto result = wait_for_result(pipeline);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->original.size(), cv::Size(64, 48));
    EXPECT_EQ(result->stylized.size(), cv::Size(64, 48));
    StylizerOptions options;
    options.network.device = DeviceKind::Cpu;
    Stylizer reference(settings_.styles[0].path, options);
    EXPECT_EQ(cv::norm(reference.stylize(result->original), result->stylized, cv::NORM_INF), 0.0);
}

TEST_F(Pipeline, SwitchesStylesAndAppliesSettings) {
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    ASSERT_TRUE(wait_for_result(pipeline, 0));
    pipeline.send(LiveCommand::select_style(1));
    pipeline.send(LiveCommand::strength(0.0));
    auto result = wait_for_result(pipeline, 1);
    ASSERT_TRUE(result);
    // the strength command came with the switch: the next frames show the original
    result = wait_for_result(pipeline, 1);
    ASSERT_TRUE(result);
    EXPECT_EQ(cv::norm(result->original, result->stylized, cv::NORM_INF), 0.0);
    EXPECT_EQ(pipeline.stats().style, 1);
    // thumbnails of both styles appear
    uint64_t version = 0;
    const auto until = LiveClock::now() + 10s;
    std::vector<cv::Mat> thumbnails;
    do {
        thumbnails = pipeline.thumbnails(&version);
        std::this_thread::sleep_for(20ms);
    } while ((thumbnails[0].empty() || thumbnails[1].empty()) && LiveClock::now() < until);
    EXPECT_EQ(thumbnails[1].size(), settings_.thumbnail_size);
    EXPECT_GT(version, 0u);
}

TEST_F(Pipeline, BadCommandsAreReportedNotFatal) {
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    ASSERT_TRUE(wait_for_result(pipeline));
    testing::write_text(dir_.path("a.safetensors"), "corrupted meanwhile");  // not loaded again
    pipeline.send(LiveCommand::set_network({DeviceKind::Cpu, Precision::Fp16}));
    const auto until = LiveClock::now() + 5s;
    while (pipeline.stats().error.empty() && LiveClock::now() < until)
        std::this_thread::sleep_for(10ms);
    EXPECT_NE(pipeline.stats().error.find("fp16"), std::string::npos) << pipeline.stats().error;
    ASSERT_TRUE(wait_for_result(pipeline));  // still running with the old settings
}

TEST_F(Pipeline, RecordsEveryStylizedFrameFromTheFirst) {
    settings_.record_path = dir_.path("rec.mp4");
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    std::this_thread::sleep_for(1500ms);
    pipeline.stop();
    const auto stats = pipeline.stats();
    EXPECT_TRUE(stats.recording_error.empty()) << stats.recording_error;
    EXPECT_GT(stats.stylized, 3);
    EXPECT_EQ(stats.recorded_frames, stats.stylized);
    VideoReader reader(dir_.path("rec.mp4"));
    EXPECT_EQ(reader.info().size, cv::Size(64, 48));
    int frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    EXPECT_EQ(frames, stats.stylized);
}

TEST_F(Pipeline, LostSourceIsReopened) {
    // A clip that exists at start, then disappears: the capture thread reports it and retries.
    {
        VideoWriter writer(dir_.path("clip.avi"), cv::Size(32, 24), 50);
        for (int i = 0; i < 5; ++i) writer.write(test_pattern_frame(cv::Size(32, 24), i));
    }
    settings_.source.kind = SourceSpec::Kind::File;
    settings_.source.path = dir_.path("clip.avi");
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    ASSERT_TRUE(wait_for_result(pipeline));
    std::filesystem::remove(dir_.path("clip.avi"));
    const auto until = LiveClock::now() + 5s;
    while (pipeline.stats().source_status.empty() && LiveClock::now() < until)
        std::this_thread::sleep_for(20ms);
    EXPECT_NE(pipeline.stats().source_status.find("clip.avi"), std::string::npos)
        << pipeline.stats().source_status;
}

}  // namespace
}  // namespace stylecam
