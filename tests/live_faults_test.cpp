/// Fault injection in the live pipeline (issue #17): the source fails mid-stream (a video file
/// deleted, a camera that disappears), the recording's disk fills up, a model file is replaced
/// by garbage and selected again. Each is reported (stats, window banner, log), the pipeline and
/// the window keep running, and the recording up to the fault plays. The window tests run under
/// Xvfb and skip without xvfb-run; the full disk is a small tmpfs mounted in a private mount
/// namespace (`unshare -rm`) and skips where that is not allowed.

#include "live/live_pipeline.h"
#include "nets/model_file.h"
#include "test_support.h"
#include "video/video_file.h"
#include "xvfb_support.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <thread>

namespace stylecam {
namespace {

using namespace std::chrono_literals;
using testing::shell_quote;
using testing::TempDir;

int64_t count_frames(const std::string& path) {
    VideoReader reader(path);
    int64_t frames = 0;
    cv::Mat frame;
    while (reader.read(frame)) ++frames;
    return frames;
}

/// Waits up to `timeout` for `done()`.
template <typename Done>
bool wait_until(Done done, LiveClock::duration timeout = 10s) {
    const auto until = LiveClock::now() + timeout;
    while (!done()) {
        if (LiveClock::now() > until) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

/// A camera that delivers `frames` frames at 25 fps, then is unplugged (reads fail).
class VanishingCamera : public FrameSource {
  public:
    explicit VanishingCamera(int frames) : left_(frames) {}
    bool read(cv::Mat& frame) override {
        std::this_thread::sleep_for(40ms);
        if (left_-- <= 0) return false;
        frame = test_pattern_frame({64, 48}, index_++);
        return true;
    }
    std::string describe() const override { return "camera 97 (64x48 @ 25 fps)"; }

  private:
    int left_;
    int64_t index_ = 0;
};

class LiveFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* name : {"a", "b"}) {
            torch::manual_seed(name[0]);
            TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
            save_transformer_net(dir_.path(std::string(name) + ".safetensors"), net);
            settings_.styles.push_back({name, dir_.path(std::string(name) + ".safetensors")});
        }
        settings_.stylizer.network.device = DeviceKind::Cpu;
        settings_.source.kind = SourceSpec::Kind::TestPattern;
        settings_.source.size = {64, 48};
        settings_.source.fps = 25;
    }
    std::optional<LiveResult> wait_for_result(LivePipeline& pipeline, int style = -1) {
        std::optional<LiveResult> found;
        wait_until([&] {
            if (auto result = pipeline.take_result())
                if (style < 0 || result->style == style) found = std::move(result);
            return found.has_value();
        });
        return found;
    }
    TempDir dir_;
    LiveSettings settings_;
};

TEST_F(LiveFaults, ACameraThatDisappearsIsReportedAndTheRecordingPlays) {
    // The camera the pipeline reopens is one that is not there (index 97).
    settings_.source.kind = SourceSpec::Kind::Camera;
    settings_.source.camera_index = 97;
    settings_.record_path = dir_.path("camera.mp4");
    LivePipeline pipeline(settings_, std::make_unique<VanishingCamera>(30));
    ASSERT_TRUE(wait_until([&] {
        return pipeline.stats().source_status.find("camera 97: cannot open") != std::string::npos;
    })) << pipeline.stats().source_status;
    const auto status = pipeline.stats().source_status;
    EXPECT_EQ(status.find('\n'), std::string::npos) << status;
    EXPECT_NE(status.find("retrying"), std::string::npos) << status;
    // Still running: commands are taken, nothing else is reported.
    pipeline.send(LiveCommand::strength(0.5));
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(pipeline.stats().error.empty()) << pipeline.stats().error;
    pipeline.stop();
    const auto stats = pipeline.stats();
    EXPECT_GT(stats.stylized, 0);
    EXPECT_LE(stats.captured, 30);
    EXPECT_TRUE(stats.recording_error.empty()) << stats.recording_error;
    EXPECT_EQ(stats.recorded_frames, stats.stylized);
    EXPECT_EQ(count_frames(settings_.record_path), stats.stylized);
}

TEST_F(LiveFaults, AModelReplacedByGarbageIsOneLineAndThePreviousStyleKeepsRunning) {
    LivePipeline pipeline(settings_, open_frame_source(settings_.source));
    ASSERT_TRUE(wait_for_result(pipeline, 0));
    pipeline.send(LiveCommand::select_style(1));
    ASSERT_TRUE(wait_for_result(pipeline, 1));
    pipeline.send(LiveCommand::select_style(0));
    ASSERT_TRUE(wait_for_result(pipeline, 0));

    testing::write_text(dir_.path("b.safetensors"), "garbage, not a model");
    pipeline.send(LiveCommand::select_style(1));
    ASSERT_TRUE(wait_until([&] { return !pipeline.stats().error.empty(); }));
    const auto error = pipeline.stats().error;
    EXPECT_NE(error.find("style b: "), std::string::npos) << error;
    EXPECT_NE(error.find("b.safetensors"), std::string::npos) << error;
    EXPECT_NE(error.find("(still showing a)"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    // Style a keeps running: the next frames are a's.
    for (int i = 0; i < 3; ++i) {
        const auto result = wait_for_result(pipeline);
        ASSERT_TRUE(result);
        EXPECT_EQ(result->style, 0);
    }
    EXPECT_EQ(pipeline.stats().style, 0);

    // A good model in its place is loaded when b is selected again (a retrained style shows).
    torch::manual_seed(99);
    TransformerNet net(TransformerNetOptions().channels(4).residual_blocks(1));
    save_transformer_net(dir_.path("b.safetensors"), net);
    pipeline.send(LiveCommand::select_style(1));
    ASSERT_TRUE(wait_for_result(pipeline, 1));
    const auto result = wait_for_result(pipeline, 1);
    ASSERT_TRUE(result);
    StylizerOptions options;
    options.network.device = DeviceKind::Cpu;
    Stylizer fresh(dir_.path("b.safetensors"), options);
    EXPECT_EQ(cv::norm(fresh.stylize(result->original), result->stylized, cv::NORM_INF), 0.0);
    EXPECT_TRUE(pipeline.stats().error.empty()) << pipeline.stats().error;
}

/// The window's status banner: a dark red box at the top left of the video area (x ≥ 320).
int banner_pixels(const cv::Mat& screen) {
    const cv::Mat corner = screen(cv::Rect(320, 0, 700, 60));
    cv::Mat red;
    cv::inRange(corner, cv::Scalar(0, 0, 90), cv::Scalar(40, 40, 140), red);
    return cv::countNonZero(red);
}

/// `stylecam live` in a window with faults injected by a shell script while it runs.
class LiveWindowFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!testing::have_xvfb()) GTEST_SKIP() << "needs xvfb-run (apt-get install xvfb)";
        for (const char* name : {"a", "b"}) {
            torch::manual_seed(name[0]);
            TransformerNet net(TransformerNetOptions().channels(8).residual_blocks(1));
            save_transformer_net(dir_.path(std::string(name) + ".safetensors"), net);
        }
    }
    std::string common() const {
        return "--models " + shell_quote(dir_.path()) + " --style a --device cpu ";
    }
    /// A shell script: `$STYLECAM live ARGS` in the background (`$pid`) with its output in a log,
    /// `fault` run once it has opened its source (or ended); ends with stylecam's exit code, after
    /// printing its log. A fault that waits for something must also stop waiting once `$pid` ends,
    /// so that a run that never gets there fails instead of hanging.
    std::string fault_script(const std::string& args, const std::string& fault) const {
        const auto log = shell_quote(dir_.path("live.log"));
        return "$STYLECAM live " + args + " >" + log + " 2>&1 & pid=$!; until grep -q " +
               "'stylecam: source' " + log + " || ! kill -0 $pid 2>/dev/null; do sleep 0.2; " +
               "done; " + fault + "; wait $pid; rc=$?; cat " + log + "; (exit $rc)";
    }
    TempDir dir_;
};

TEST_F(LiveWindowFaults, ADeletedVideoFileIsReportedTheWindowStaysUpAndTheRecordingPlays) {
    // A 2-second clip, looped: once deleted, the next loop cannot reopen it.
    const auto clip = dir_.path("clip.avi");
    {
        VideoWriter writer(clip, cv::Size(160, 120), 10);
        for (int i = 0; i < 20; ++i) writer.write(test_pattern_frame(cv::Size(160, 120), i));
    }
    const auto shot = dir_.path("deleted.png"), video = dir_.path("deleted.mp4");
    const auto result = testing::run_under_xvfb(
        fault_script("--input " + shell_quote(clip) + " " + common() + "--duration 12 --record " +
                         shell_quote(video) + " --screenshot " + shell_quote(shot),
                     "sleep 3; rm " + shell_quote(clip)));
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_NE(result.out.find("clip.avi: file not found (retrying in"), std::string::npos)
        << result.out;
    EXPECT_GT(banner_pixels(cv::imread(shot)), 1000) << "no status line in the window";
    const auto at = result.out.find("recorded ");
    ASSERT_NE(at, std::string::npos) << result.out;
    const int64_t recorded = std::atoll(result.out.c_str() + at + 9);
    EXPECT_GT(recorded, 0) << result.out;  // a loaded machine stylizes only a few in 3 s
    EXPECT_EQ(count_frames(video), recorded);
}

TEST_F(LiveWindowFaults, AFullDiskStopsTheRecordingWithAMessageAndTheFilePlays) {
    if (testing::run_shell("unshare -rm true").exit_code != 0)
        GTEST_SKIP() << "cannot mount a tmpfs here (unshare -rm is not allowed)";
    const auto disk = dir_.path("disk"), shot = dir_.path("full.png");
    std::filesystem::create_directories(disk);
    // The tmpfs lives in the script's own mount namespace: the recording is copied out of it.
    // The file appears when the rate probe's frames (a dozen, or 2 s of them) go to the encoder;
    // 3 s later (a loaded machine stylizes only a few frames per second), another file takes all
    // but 900 KiB of its 8 MiB (less than closing is given).
    const auto quoted = shell_quote(disk), video = dir_.path("full.mp4");
    const auto script = dir_.path("full.sh");
    testing::write_text(
        script,
        "STYLECAM=" + std::string(STYLECAM_EXE) + "\nmount -t tmpfs -o size=8m tmpfs " + quoted +
            " || exit 99\n" +
            fault_script(
                "--test-pattern --width 320 --height 240 " + common() + "--duration 12 --record " +
                    shell_quote(disk + "/full.mp4") + " --screenshot " + shell_quote(shot),
                "until [ -s " + shell_quote(disk + "/full.mp4") +
                    " ] || ! kill -0 $pid 2>/dev/null; do sleep 0.2; done; sleep 3; free=$(df -k "
                    "--output=avail " +
                    quoted + " | tail -1); dd if=/dev/zero of=" + shell_quote(disk + "/filler") +
                    " bs=1k count=$((free - 900)) 2>/dev/null") +
            "\ncp " + shell_quote(disk + "/full.mp4") + " " + shell_quote(video) + "\nexit $rc\n");
    const auto result = testing::run_under_xvfb("unshare -rm sh " + shell_quote(script));
    ASSERT_NE(result.exit_code, 99) << "mount failed: " << result.out << result.err;
    // The window ran to the end; the program ends with the one-line reason (exit code 1).
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_NE(result.out.find("displayed "), std::string::npos) << result.out;
    const std::string reason = "full.mp4: the disk is full (";
    EXPECT_NE(result.out.find(reason), std::string::npos) << result.out;  // the log, at once
    EXPECT_NE(result.out.find("stylecam: error: recording failed: "), std::string::npos)
        << result.out;
    EXPECT_GT(banner_pixels(cv::imread(shot)), 1000) << "no status line in the window";
    const auto at = result.out.find("recording stopped after ");
    ASSERT_NE(at, std::string::npos) << result.out;
    const int64_t written = std::atoll(result.out.c_str() + at + 24);
    // the rate probe's first frames (under ASan its 2 s hold only a few)
    EXPECT_GT(written, testing::kSanitizedBuild ? 0 : 5) << result.out;
    EXPECT_EQ(count_frames(video), written) << result.out;
}

/// The garbage model in the window: selected again (keys 1-9, scripted), it leaves one line in
/// the banner and the log while style a keeps running and recording.
TEST_F(LiveWindowFaults, AModelReplacedByGarbageIsOneLineAndThePreviousStyleKeepsRunning) {
    const auto shot = dir_.path("garbage.png"), video = dir_.path("garbage.mp4");
    const auto b = shell_quote(dir_.path("b.safetensors"));
    // b, then a again; once a is back, b becomes garbage; b is selected again at frame 400.
    const auto result = testing::run_under_xvfb(fault_script(
        "--test-pattern --width 160 --height 120 " + common() +
            "--frames 480 --ui-script '20:style=1;40:style=0;400:style=1' --record " +
            shell_quote(video) + " --screenshot " + shell_quote(shot),
        "until grep -qE '(^stylecam: |\\] )style a$' " + shell_quote(dir_.path("live.log")) +
            " || ! kill -0 $pid 2>/dev/null; do sleep 0.1; done; echo garbage > " + b));
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    const auto at = result.out.find("style b: ");
    ASSERT_NE(at, std::string::npos) << result.out;
    const std::string line = result.out.substr(at, result.out.find('\n', at) - at);
    EXPECT_NE(line.find("b.safetensors: "), std::string::npos) << line;
    EXPECT_NE(line.find("(still showing a)"), std::string::npos) << line;
    EXPECT_GT(banner_pixels(cv::imread(shot)), 1000) << "no status line in the window";
    const auto recorded_at = result.out.find("recorded ");
    ASSERT_NE(recorded_at, std::string::npos) << result.out;
    EXPECT_EQ(count_frames(video), std::atoll(result.out.c_str() + recorded_at + 9));
}

}  // namespace
}  // namespace stylecam
