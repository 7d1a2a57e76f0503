#include "optimize/optimization_job.h"

#include "core/error.h"

namespace stylecam {

const char* to_string(OptimizationJob::State state) {
    switch (state) {
        case OptimizationJob::State::Idle:
            return "idle";
        case OptimizationJob::State::Running:
            return "running";
        case OptimizationJob::State::Paused:
            return "paused";
        case OptimizationJob::State::Done:
            return "done";
        case OptimizationJob::State::Stopped:
            return "stopped";
        case OptimizationJob::State::Failed:
            return "failed";
    }
    return "?";
}

OptimizationJob::~OptimizationJob() {
    stop();
    wait();
}

void OptimizationJob::start(const cv::Mat& content, const cv::Mat& style, GatysOptions options,
                            std::string vgg_path, torch::Device device, int refresh_every) {
    STYLECAM_CHECK(!active(), "an optimization is already running: stop it first");
    wait();
    STYLECAM_CHECK(!content.empty() && !style.empty(), "choose a content and a style image first");
    validate(options);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = false;
        paused_ = false;
        result_.reset();
        progress_ = Progress{};
        progress_.state = State::Running;
        progress_.iterations_per_pass = options.iterations;
        progress_.passes = static_cast<int>(options.scales.size());
        started_ = std::chrono::steady_clock::now();
    }
    thread_ = std::thread([this, content = content.clone(), style = style.clone(),
                           options = std::move(options), vgg_path = std::move(vgg_path), device,
                           refresh_every]() mutable {
        run(std::move(content), std::move(style), std::move(options), std::move(vgg_path), device,
            refresh_every);
    });
}

void OptimizationJob::run(cv::Mat content, cv::Mat style, GatysOptions options,
                          std::string vgg_path, torch::Device device, int refresh_every) {
    try {
        GatysOptimizer optimizer(Vgg19Features(vgg_path), std::move(options), device);
        GatysCallbacks callbacks;
        callbacks.stop = &stop_;
        callbacks.image_every = std::max(1, refresh_every);
        callbacks.on_report = [&](const IterationReport& entry) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                progress_.history.push_back(entry);
            }
            wait_while_paused();
        };
        callbacks.on_image = [&](int, const cv::Mat& image) {
            std::lock_guard<std::mutex> lock(mutex_);
            progress_.image = image.clone();
            ++progress_.image_version;
        };
        GatysResult result = optimizer.run(content, style, callbacks);
        std::lock_guard<std::mutex> lock(mutex_);
        progress_.image = result.image.clone();
        ++progress_.image_version;
        progress_.state = result.stopped ? State::Stopped : State::Done;
        result_ = std::move(result);
    } catch (const std::exception& error) {
        std::lock_guard<std::mutex> lock(mutex_);
        progress_.state = State::Failed;
        progress_.error = one_line_message(error);
    }
}

void OptimizationJob::wait_while_paused() {
    std::unique_lock<std::mutex> lock(mutex_);
    resumed_.wait(lock, [&] { return !paused_ || stop_; });
}

void OptimizationJob::pause() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (progress_.state != State::Running) return;
    paused_ = true;
    progress_.state = State::Paused;
}

void OptimizationJob::resume() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (progress_.state != State::Paused) return;
        paused_ = false;
        progress_.state = State::Running;
    }
    resumed_.notify_all();
}

void OptimizationJob::stop() {
    stop_ = true;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = false;
    }
    resumed_.notify_all();
}

void OptimizationJob::wait() {
    if (thread_.joinable()) thread_.join();
}

OptimizationJob::Progress OptimizationJob::progress() const {
    std::lock_guard<std::mutex> lock(mutex_);
    Progress copy = progress_;
    if (progress_.state != State::Idle)
        copy.seconds =
            result_ ? result_->seconds
                    : std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
                          .count();
    return copy;
}

OptimizationJob::State OptimizationJob::state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return progress_.state;
}

std::optional<GatysResult> OptimizationJob::result() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return result_;
}

bool OptimizationJob::active() const {
    const auto current = state();
    return current == State::Running || current == State::Paused;
}

}  // namespace stylecam
