#include "video/recorder.h"

#include "core/error.h"
#include "core/file_util.h"
#include "video/video_file.h"

#include <opencv2/imgproc.hpp>

#include <sys/statvfs.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>
#include <vector>

namespace stylecam {
namespace {

constexpr size_t kRateProbeFrames = 12;
constexpr auto kRateProbeTime = std::chrono::seconds(2);

/// What closing the file needs on its disk, beyond the frames written: the container's index
/// (mp4: a few dozen bytes per frame), the frames the encoder still holds (x264's look-ahead,
/// counted as `kHeldFrames` frames of the average size so far) and a margin.
constexpr int64_t kCloseMargin = 1 << 20;
constexpr int64_t kIndexBytesPerFrame = 64;
constexpr int64_t kHeldFrames = 64;
/// How often the file's size is read to update the average frame size.
constexpr int64_t kSizeEvery = 16;

/// Free space for this process on the filesystem of `folder` (-1: unknown), and whether it is
/// mounted read-only.
struct DiskSpace {
    int64_t free = -1;
    bool read_only = false;
};
DiskSpace disk_space(const std::string& folder) {
    struct statvfs info {};
    if (::statvfs(folder.c_str(), &info) != 0) return {};
    return {static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize),
            (info.f_flag & ST_RDONLY) != 0};
}

std::string mib_text(int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    return text;
}

/// How a recording that had to stop ends, for its error line.
std::string stopped_after(int64_t written) {
    if (written == 0) return "recording stopped before its first frame (no file kept)";
    return "recording stopped after " + std::to_string(written) + " frames (the file plays)";
}

double measured_fps(const std::vector<Recorder::Clock::time_point>& times) {
    if (times.size() < 2) return 10.0;
    const double seconds = std::chrono::duration<double>(times.back() - times.front()).count();
    const double fps = seconds > 0 ? static_cast<double>(times.size() - 1) / seconds : 10.0;
    return std::clamp(fps, 1.0, 120.0);
}

}  // namespace

std::string timestamped_path(const std::string& folder, const std::string& prefix,
                             const std::string& extension) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
    std::filesystem::path base = std::filesystem::path(folder) / (prefix + "-" + stamp);
    std::string candidate = base.string() + extension;
    for (int i = 2; std::filesystem::exists(candidate); ++i)
        candidate = base.string() + "-" + std::to_string(i) + extension;
    return candidate;
}

Recorder::Recorder(std::string path, size_t max_queued)
    : path_(std::move(path)), max_queued_(max_queued) {
    STYLECAM_CHECK(has_video_extension(path_), path_, ": unknown video format '",
                   lower_extension(path_), "' (use .mp4, .mkv, .avi or .webm)");
    check_parent_writable(path_);
    thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() { stop(); }

bool Recorder::push(const cv::Mat& frame, Clock::time_point timestamp, Clock::duration max_wait) {
    {
        std::unique_lock<std::mutex> lock(mutex_);
        const auto ended = [&] { return stopping_ || !error_.empty() || finished_; };
        if (!ended() && queue_.size() >= max_queued_ && max_wait > Clock::duration::zero())
            space_.wait_for(lock, max_wait, [&] { return ended() || queue_.size() < max_queued_; });
        if (ended() || queue_.size() >= max_queued_) {
            ++dropped_;
            return false;
        }
        queue_.push_back({frame.clone(), timestamp});
        ++accepted_;
    }
    wake_.notify_one();
    return true;
}

int64_t Recorder::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    return written_.load();
}

std::string Recorder::error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

void Recorder::run() {
    std::unique_ptr<VideoWriter> writer;
    std::vector<Item> pending;  // frames held back until the rate is known
    std::vector<Clock::time_point> times;
    cv::Size size;
    std::string folder = std::filesystem::path(path_).parent_path().string();
    if (folder.empty()) folder = ".";
    int64_t average_frame_bytes = 0;

    // Before each frame: stop while the file can still be closed (and so played) when its disk
    // is about to be full or became read-only. The encoder's writes do not report failures.
    const auto check_disk = [&] {
        const int64_t written = written_.load();
        if (written > 0 && written % kSizeEvery == 0) {
            std::error_code ec;
            const auto bytes = std::filesystem::file_size(path_, ec);
            if (!ec) average_frame_bytes = static_cast<int64_t>(bytes) / written;
        }
        const DiskSpace space = disk_space(folder);
        STYLECAM_CHECK(!space.read_only, path_, ": the disk became read-only; ",
                       stopped_after(written));
        const int64_t needed =
            kCloseMargin + kIndexBytesPerFrame * written + kHeldFrames * average_frame_bytes;
        STYLECAM_CHECK(space.free < 0 || space.free >= needed, path_, ": the disk is full (",
                       mib_text(space.free), " free); ", stopped_after(written));
    };
    Clock::time_point start;
    const auto write = [&](const Item& item) {
        check_disk();
        const double seconds = std::chrono::duration<double>(item.timestamp - start).count();
        if (item.frame.size() == size) {
            writer->write(item.frame, seconds);
        } else {
            cv::Mat resized;
            cv::resize(item.frame, resized, size, 0, 0, cv::INTER_AREA);
            writer->write(resized, seconds);
        }
        ++written_;
    };
    const auto open_and_flush = [&] {
        size = pending.front().frame.size();
        start = pending.front().timestamp;
        writer = std::make_unique<VideoWriter>(path_, size, measured_fps(times),
                                               /*timestamped=*/true);
        for (const auto& item : pending) write(item);
        pending.clear();
    };

    try {
        for (;;) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) break;
            Item item = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            space_.notify_all();

            if (writer) {
                write(item);
                continue;
            }
            times.push_back(item.timestamp);
            pending.push_back(std::move(item));
            if (pending.size() >= kRateProbeFrames ||
                times.back() - times.front() >= kRateProbeTime)
                open_and_flush();
        }
        if (!writer && !pending.empty()) open_and_flush();
        if (writer) writer->close();
    } catch (const std::exception& error) {
        if (writer && written_.load() == 0) {  // a file without frames does not play: drop it
            writer.reset();
            std::error_code ignored;
            std::filesystem::remove(path_, ignored);
        }
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = one_line_message(error);
        queue_.clear();
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_ = true;
    }
    space_.notify_all();
}

}  // namespace stylecam
