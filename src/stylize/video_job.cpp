/// `stylize_video_file` (declared in offline_jobs.h): a three-stage pipeline. A decoder thread
/// reads frames, the calling thread stylizes them (it owns the Stylizer), an encoder thread writes
/// them; bounded queues between the stages keep memory flat and the frame order intact, so the
/// whole job runs at the network's own rate instead of decode + network + encode in turn.

#include "core/bounded_queue.h"
#include "core/error.h"
#include "core/file_util.h"
#include "stylize/offline_jobs.h"
#include "video/video_file.h"

#include <algorithm>
#include <exception>
#include <thread>

namespace stylecam {
namespace {

/// Frames waiting between two stages: enough to absorb a slow keyframe or encoder hiccup, few
/// enough that memory stays a few frames (4 × 640×480×3 bytes ≈ 3.7 MB per queue).
constexpr size_t kQueueDepth = 4;

/// Joins a thread on every path out of the pipeline (errors included).
class JoinOnExit {
  public:
    explicit JoinOnExit(std::thread& thread) : thread_(thread) {}
    ~JoinOnExit() {
        if (thread_.joinable()) thread_.join();
    }
    JoinOnExit(const JoinOnExit&) = delete;
    JoinOnExit& operator=(const JoinOnExit&) = delete;

  private:
    std::thread& thread_;
};

}  // namespace

VideoResult stylize_video_file(Stylizer& stylizer, const std::string& input,
                               const std::string& output, const ProgressCallback& progress,
                               const std::atomic<bool>* stop, int64_t max_frames) {
    STYLECAM_CHECK(has_video_extension(output), output, ": unknown video format '",
                   lower_extension(output), "' (use .mp4, .mkv, .avi or .webm)");
    check_parent_writable(output);
    VideoReader reader(input);
    const auto info = reader.info();
    int64_t total = info.frame_count;
    if (max_frames >= 0) total = total < 0 ? max_frames : std::min(total, max_frames);
    VideoResult result;
    result.fps = info.fps;
    const auto stop_requested = [stop] { return stop && stop->load(); };

    write_atomically(output, [&](const std::string& partial) {
        VideoWriter writer(partial, info.size, info.fps);
        BoundedQueue<cv::Mat> decoded(kQueueDepth), stylized(kQueueDepth);
        std::exception_ptr decode_error, encode_error;
        std::atomic<bool> stopped_by_request{false};

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
                    if (!decoded.push(std::move(frame))) break;  // the consumer gave up
                }
            } catch (...) {
                decode_error = std::current_exception();
            }
            decoded.close();
        });
        const JoinOnExit join_decoder(decoder);

        // Encoder: owns `writer` until it is joined; on failure it stops taking frames.
        std::thread encoder([&] {
            try {
                while (auto frame = stylized.pop()) writer.write(*frame);
            } catch (...) {
                encode_error = std::current_exception();
                stylized.close();
                stylized.clear();
            }
        });
        const JoinOnExit join_encoder(encoder);

        // Stylizer: this thread. Any exit closes both queues so the other stages finish.
        std::exception_ptr stylize_error;
        try {
            while (auto frame = decoded.pop()) {
                if (stop_requested()) {
                    stopped_by_request = true;
                    break;
                }
                if (!stylized.push(stylizer.stylize(*frame))) break;  // the encoder failed
                ++result.frames;
                if (progress) progress(result.frames, total);
            }
        } catch (...) {
            stylize_error = std::current_exception();
        }
        decoded.close();
        decoded.clear();
        stylized.close();
        decoder.join();
        encoder.join();
        for (const auto& error : {stylize_error, decode_error, encode_error})
            if (error) std::rethrow_exception(error);

        result.interrupted = stopped_by_request.load();
        STYLECAM_CHECK(result.frames > 0, input,
                       result.interrupted ? ": interrupted before the first frame"
                                          : ": no frame could be decoded");
        writer.close();
        STYLECAM_CHECK(writer.frames_written() == result.frames, output, ": wrote ",
                       writer.frames_written(), " of ", result.frames, " frames");
    });
    return result;
}

}  // namespace stylecam
