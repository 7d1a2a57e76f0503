#pragma once
/// A Gatys optimization running on its own thread, for the window: start, pause, resume, stop,
/// and a progress snapshot the UI polls (loss history, the latest image every few iterations,
/// the best image when done). The engine is `GatysOptimizer` — the same as `stylecam optimize`,
/// so the same inputs and options give the same result.
///
/// Threads: the job's thread owns the optimizer and VGG; every public method may be called from
/// any thread (the UI's). An exception in the job ends the job, not the program: it shows as
/// `State::Failed` with its message.

#include "optimize/gatys_optimizer.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stylecam {

class OptimizationJob {
  public:
    enum class State { Idle, Running, Paused, Done, Stopped, Failed };

    struct Progress {
        State state = State::Idle;
        std::vector<IterationReport> history;
        cv::Mat image;  ///< latest image (refreshed every `refresh_every` iterations), BGR
        uint64_t image_version = 0;
        int iterations_per_pass = 0;
        int passes = 0;
        double seconds = 0;  ///< since start, pauses included
        std::string error;   ///< set when Failed
    };

    OptimizationJob() = default;
    ~OptimizationJob();
    OptimizationJob(const OptimizationJob&) = delete;
    OptimizationJob& operator=(const OptimizationJob&) = delete;

    /// Starts a job (a previous one must have finished; `stop()` first otherwise). `vgg_path` is
    /// loaded on the job's thread, so a bad file shows as Failed. Throws `Error` while one runs.
    void start(const cv::Mat& content, const cv::Mat& style, GatysOptions options,
               std::string vgg_path, torch::Device device = torch::kCPU, int refresh_every = 5);
    void pause();
    void resume();
    /// Asks the job to stop after the current iteration; it keeps the best image so far.
    void stop();
    /// Waits for the job's thread to end.
    void wait();

    Progress progress() const;
    State state() const;
    /// The final result once Done or Stopped.
    std::optional<GatysResult> result() const;
    bool active() const;

  private:
    void run(cv::Mat content, cv::Mat style, GatysOptions options, std::string vgg_path,
             torch::Device device, int refresh_every);
    void wait_while_paused();

    mutable std::mutex mutex_;
    std::condition_variable resumed_;
    std::atomic<bool> stop_{false};
    bool paused_ = false;
    Progress progress_;
    std::optional<GatysResult> result_;
    std::chrono::steady_clock::time_point started_;
    std::thread thread_;
};

const char* to_string(OptimizationJob::State state);

}  // namespace stylecam
