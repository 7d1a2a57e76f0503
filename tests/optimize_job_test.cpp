#include "core/error.h"
#include "optimize/optimization_job.h"
#include "test_support.h"

#include <opencv2/imgproc.hpp>

#include <thread>

namespace stylecam {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

cv::Mat pattern(int rows, int cols, int seed) { return testing::smooth_noise(rows, cols, seed); }

class Job : public ::testing::Test {
  protected:
    void SetUp() override { testing::write_tiny_vgg(vgg()); }
    std::string vgg() const { return dir_.path("vgg.safetensors"); }
    GatysOptions options(int iterations) const {
        GatysOptions options;
        options.scales = {32};
        options.iterations = iterations;
        return options;
    }
    /// Waits until `condition` holds (up to 20 s).
    template <typename Condition>
    bool eventually(Condition condition) {
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!condition() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(5ms);
        return condition();
    }
    TempDir dir_;
    cv::Mat content_ = pattern(24, 32, 1), style_ = pattern(30, 30, 2);
};

TEST_F(Job, ReportsProgressAndGivesTheCommandsResult) {
    OptimizationJob job;
    job.start(content_, style_, options(6), vgg(), torch::kCPU, 2);
    ASSERT_TRUE(eventually([&] { return !job.active(); }));
    const auto progress = job.progress();
    EXPECT_EQ(progress.state, OptimizationJob::State::Done);
    ASSERT_EQ(progress.history.size(), 7u);
    EXPECT_GE(progress.image_version, 3u);  // iterations 2, 4, 6 and the final image
    const auto result = job.result();
    ASSERT_TRUE(result);
    // The same engine, inputs and options as `stylecam optimize`: the same image.
    const auto direct = GatysOptimizer(Vgg19Features(vgg()), options(6)).run(content_, style_);
    EXPECT_EQ(cv::norm(result->image, direct.image, cv::NORM_INF), 0.0);
    EXPECT_DOUBLE_EQ(result->history.back().total, direct.history.back().total);
}

TEST_F(Job, PauseResumeAndStopKeepingTheBestImage) {
    OptimizationJob job;
    job.start(content_, style_, options(100000), vgg());
    ASSERT_TRUE(eventually([&] { return job.progress().history.size() >= 3; }));
    job.pause();
    EXPECT_EQ(job.state(), OptimizationJob::State::Paused);
    // The iteration under way when pausing may still report (it took over 100 ms under ASan on
    // a loaded machine): wait until none has reported for a whole second.
    size_t paused_at = 0;
    ASSERT_TRUE(eventually([&] {
        const auto before = job.progress().history.size();
        std::this_thread::sleep_for(1s);
        paused_at = job.progress().history.size();
        return paused_at == before;
    }));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(job.progress().history.size(), paused_at);
    job.resume();
    EXPECT_EQ(job.state(), OptimizationJob::State::Running);
    ASSERT_TRUE(eventually([&] { return job.progress().history.size() > paused_at + 2; }));
    EXPECT_THROW(job.start(content_, style_, options(1), vgg()), Error);  // one at a time
    job.stop();
    job.wait();
    EXPECT_EQ(job.state(), OptimizationJob::State::Stopped);
    const auto result = job.result();
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->stopped);
    EXPECT_EQ(result->image.size(), cv::Size(32, 24));
    double best = 1e300;
    for (const auto& entry : result->history) best = std::min(best, entry.total);
    EXPECT_LT(best, result->history.front().total);
}

TEST_F(Job, StopWhilePausedEndsTheJob) {
    OptimizationJob job;
    job.start(content_, style_, options(100000), vgg());
    ASSERT_TRUE(eventually([&] { return job.progress().history.size() >= 2; }));
    job.pause();
    job.stop();
    job.wait();
    EXPECT_EQ(job.state(), OptimizationJob::State::Stopped);
}

TEST_F(Job, ErrorsReachTheCallerInsteadOfEndingTheProgram) {
    OptimizationJob job;
    job.start(content_, style_, options(3), dir_.path("missing-vgg.safetensors"));
    ASSERT_TRUE(eventually([&] { return !job.active(); }));
    EXPECT_EQ(job.state(), OptimizationJob::State::Failed);
    EXPECT_NE(job.progress().error.find("missing-vgg.safetensors: file not found"),
              std::string::npos)
        << job.progress().error;
    EXPECT_FALSE(job.result());
    EXPECT_THROW(job.start(cv::Mat(), style_, options(3), vgg()), Error);
    // and the job can be started again afterwards
    job.start(content_, style_, options(1), vgg());
    job.wait();
    EXPECT_EQ(job.state(), OptimizationJob::State::Done);
}

}  // namespace
}  // namespace stylecam
