/// `stylize_video_file` (declared in offline_jobs.h): a pipeline. A decoder thread reads frames,
/// stylizer workers stylize them, an encoder thread puts them back in order and writes them;
/// bounded queues between the stages keep memory flat. The job then runs at the network's own
/// rate instead of decode + network + encode in turn.
///
/// On the CPU the network's cores are split between two workers, each with its own copy of the
/// network and half the threads, each on its own frame: a network whose two threads meet at a
/// barrier after every layer stalls whenever the codec's threads take one of the cores, while
/// two one-thread networks just run on (the same lesson as two one-thread training runs beating
/// one two-thread run on 2 cores).
///
/// The temporal stabilizer, when asked for, needs the frames in order: it runs on the encoder
/// thread, which owns it, on each frame (input and stylization) just before writing it.

#include "core/bounded_queue.h"
#include "core/error.h"
#include "core/file_util.h"
#include "stylize/offline_jobs.h"
#include "video/video_file.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace stylecam {
namespace {

/// Frames waiting between two stages: enough to absorb a slow keyframe or encoder hiccup, few
/// enough that memory stays a few frames (4 × 640×480×3 bytes ≈ 3.7 MB per queue).
constexpr size_t kQueueDepth = 4;

struct NumberedFrame {
    int64_t index = 0;
    cv::Mat image;  ///< decoded; after the workers, stylized
    cv::Mat input;  ///< after the workers: the decoded frame (for the stabilizer)
};

/// How many stylizer workers, and LibTorch threads for each: two workers on the CPU when there
/// are at least two threads to share, else one with them all (CUDA: one; the GPU does the work).
struct WorkerPlan {
    int workers = 1;
    int threads_each = 1;
};

WorkerPlan plan_workers(const Stylizer& stylizer) {
    const int threads = std::max(1, static_cast<int>(torch::get_num_threads()));
    const bool cpu = resolve_device(stylizer.options().network.device).is_cpu();
    if (!cpu || threads < 2) return {1, threads};
    return {2, threads / 2};
}

/// The first error any stage reports; the later ones are consequences.
class FirstError {
  public:
    void set(std::exception_ptr error) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::move(error);
    }
    void rethrow_if_any() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (error_) std::rethrow_exception(error_);
    }

  private:
    std::mutex mutex_;
    std::exception_ptr error_;
};

/// Decoder → workers → in-order writer. `write` gets each stylized frame in order and returns
/// false when its reader went away (the job then ends early, `reader_closed`). Throws the first
/// error of any stage.
VideoResult run_video_pipeline(Stylizer& stylizer, VideoReader& reader, const std::string& input,
                               const ProgressCallback& progress, const std::atomic<bool>* stop,
                               int64_t max_frames,
                               const std::optional<StabilizerOptions>& stabilize,
                               const std::function<bool(const cv::Mat&)>& write) {
    const auto info = reader.info();
    int64_t total = info.frame_count;
    if (max_frames >= 0) total = total < 0 ? max_frames : std::min(total, max_frames);
    VideoResult result;
    result.fps = info.fps;
    const auto stop_requested = [stop] { return stop && stop->load(); };
    std::optional<TemporalStabilizer> stabilizer;  // the encoder thread's
    if (stabilize && stabilize->strength > 0) stabilizer.emplace(*stabilize);
    double stabilize_ms = 0;

    const WorkerPlan plan = plan_workers(stylizer);
    std::vector<Stylizer*> stylizers{&stylizer};
    std::vector<std::unique_ptr<Stylizer>> copies;
    for (int i = 1; i < plan.workers; ++i) {
        copies.push_back(std::make_unique<Stylizer>(stylizer.model_path(), stylizer.options()));
        copies.back()->share_timeline(stylizer);  // frame t carries statistics from t − 1
        stylizers.push_back(copies.back().get());
    }
    stylizer.restart_video(0);
    const int threads_before = static_cast<int>(torch::get_num_threads());

    BoundedQueue<NumberedFrame> decoded(kQueueDepth), stylized(kQueueDepth);
    FirstError first_error;
    std::atomic<bool> stopped_by_request{false};
    const auto abandon = [&] {  // every stage stops taking and giving frames
        decoded.close();
        decoded.clear();
        stylized.close();
        stylized.clear();
    };
    // Decoder: owns `reader` from here on; closes `decoded` when the stream ends or fails.
    std::thread decoder([&] {
        try {
            for (int64_t n = 0; max_frames < 0 || n < max_frames; ++n) {
                if (stop_requested()) {
                    stopped_by_request = true;
                    break;
                }
                cv::Mat frame;
                if (!reader.read(frame)) break;
                STYLECAM_CHECK(frame.size() == info.size, input, ": frame ", n,
                               " changes the video size, which is not supported");
                if (!decoded.push({n, std::move(frame), cv::Mat()})) break;  // the job is ending
            }
        } catch (...) {
            first_error.set(std::current_exception());
            abandon();
        }
        decoded.close();
    });

    // Workers: each owns one Stylizer and runs its network with its share of the threads.
    std::vector<std::thread> workers;
    for (Stylizer* own : stylizers) {
        workers.emplace_back([&, own] {
            try {
                torch::set_num_threads(plan.threads_each);  // this thread's OpenMP team
                while (auto frame = decoded.pop()) {
                    if (stabilizer) frame->input = frame->image;
                    frame->image = own->stylize_frame(frame->image, frame->index);
                    if (!stylized.push(std::move(*frame))) break;  // the encoder stopped
                }
            } catch (...) {
                first_error.set(std::current_exception());
                abandon();
            }
        });
    }

    // Encoder: calls `write` with the frames in their order as they complete.
    std::thread encoder([&] {
        try {
            std::map<int64_t, NumberedFrame> waiting;  // one per worker plus the queue
            while (auto frame = stylized.pop()) {
                waiting.emplace(frame->index, std::move(*frame));
                for (auto next = waiting.find(result.frames); next != waiting.end();
                     next = waiting.find(result.frames)) {
                    cv::Mat out = next->second.image;
                    if (stabilizer) {
                        out = stabilizer->process(next->second.input, next->second.image);
                        stabilize_ms += stabilizer->last().ms;
                        result.stabilize_cuts += stabilizer->last().cut;
                    }
                    if (!write(out)) {  // the reader went away: end quietly
                        result.reader_closed = true;
                        abandon();
                        return;
                    }
                    waiting.erase(next);
                    ++result.frames;
                    if (progress) progress(result.frames, total);
                    if (stop_requested()) {  // keep exactly the frames reported so far
                        stopped_by_request = true;
                        abandon();
                        return;
                    }
                }
            }
        } catch (...) {
            first_error.set(std::current_exception());
            abandon();
        }
    });

    for (auto& worker : workers) worker.join();
    stylized.close();  // the encoder drains what the workers left, then ends
    encoder.join();
    decoded.close();
    decoded.clear();
    decoder.join();
    torch::set_num_threads(threads_before);
    first_error.rethrow_if_any();

    result.interrupted = stopped_by_request.load();
    if (result.frames > 0) result.stabilize_ms = stabilize_ms / result.frames;
    STYLECAM_CHECK(result.frames > 0 || result.reader_closed, input,
                   result.interrupted ? ": interrupted before the first frame"
                                      : ": no frame could be decoded");
    return result;
}

}  // namespace

VideoResult stylize_video_file(Stylizer& stylizer, const std::string& input,
                               const std::string& output, const ProgressCallback& progress,
                               const std::atomic<bool>* stop, int64_t max_frames,
                               const std::optional<StabilizerOptions>& stabilize) {
    STYLECAM_CHECK(has_video_extension(output), output, ": unknown video format '",
                   lower_extension(output), "' (use .mp4, .mkv, .avi or .webm)");
    check_parent_writable(output);
    VideoReader reader(input);
    const auto info = reader.info();
    VideoResult result;
    write_atomically(output, [&](const std::string& partial) {
        VideoWriter writer(partial, info.size, info.fps);
        result = run_video_pipeline(stylizer, reader, input, progress, stop, max_frames, stabilize,
                                    [&](const cv::Mat& frame) {
                                        writer.write(frame);
                                        return true;
                                    });
        writer.close();
        STYLECAM_CHECK(writer.frames_written() == result.frames, output, ": wrote ",
                       writer.frames_written(), " of ", result.frames, " frames");
    });
    return result;
}

VideoResult stylize_video_to_sink(Stylizer& stylizer, const std::string& input,
                                  const FrameSinkFactory& open_sink,
                                  const ProgressCallback& progress, const std::atomic<bool>* stop,
                                  int64_t max_frames,
                                  const std::optional<StabilizerOptions>& stabilize) {
    VideoReader reader(input);
    std::unique_ptr<FrameSink> sink = open_sink(reader.info().fps);
    return run_video_pipeline(stylizer, reader, input, progress, stop, max_frames, stabilize,
                              [&](const cv::Mat& frame) { return sink->write(frame); });
}

}  // namespace stylecam
