#pragma once
/// The live pipeline without any UI: capture thread → latest-frame mailbox → inference thread →
/// result mailbox → whoever displays (the main thread). Commands from the UI reach the inference
/// thread through a queue; stats are readable from any thread.
///
/// Threads: the capture thread owns the FrameSource; the inference thread owns the Stylizers
/// (one per style, loaded on first use and kept), the device and the Recorder. Every thread
/// body catches its exceptions and reports them in `LiveStats`; none ends the process.
///
/// A style's model file that changed on disk since it was loaded is loaded again when the style
/// is selected again (a retrained model shows at once); when that fails (the file became garbage)
/// the error names the style and the file and the current style keeps running.
///
/// A recording that fails (its disk full or read-only: `Recorder`) is closed at once, playable up
/// to the fault, with the reason in `LiveStats::recording_error`; the pipeline keeps running.
///
/// Temporal stabilization (off by default): the inference thread owns a `TemporalStabilizer` and
/// runs each stylized frame through it; a style switch (or a new painting, device or precision,
/// or a pause) starts it over, so that a new style never blends with the old one.
///
/// Auto scale (on by default): the inference thread lowers the inference scale in steps below the
/// user's scale (the ceiling) when the network cannot hold the target rate, and raises it again
/// when there is headroom (`AutoScale`).

#include "image/temporal_stabilizer.h"
#include "live/auto_scale.h"
#include "live/mailbox.h"
#include "live/rate_meter.h"
#include "stylize/stylizer.h"
#include "video/frame_source.h"
#include "video/recorder.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stylecam {

using LiveClock = std::chrono::steady_clock;

struct StyleEntry {
    std::string name;
    std::string path;          ///< the model file (for a painting: the MicroAST weights)
    PaintingStyle painting{};  ///< empty for a trained style
};

/// The stabilizer's settings in the live window at `strength` (0..1): the fastest flow.
StabilizerOptions live_stabilizer_options(double strength);

struct LiveSettings {
    SourceSpec source;               ///< used to reopen the source when it fails
    std::vector<StyleEntry> styles;  ///< at least one
    int style = 0;                   ///< index into `styles`
    StylizerOptions stylizer;
    cv::Size thumbnail_size{128, 96};
    int thumbnail_every = 12;  ///< refresh one style thumbnail every N stylized frames (0: never)
    std::string record_path;   ///< record from the very first stylized frame (empty: don't)
    bool record_side_by_side = false;
    /// Lower the inference scale (never above `stylizer.scale`) while the network cannot keep
    /// `target_fps`; raise it back when it can.
    bool auto_scale = true;
    /// The rate auto scale holds, frames/s; 0: the source's measured rate, at most 30.
    double target_fps = 0;
    /// Temporal stabilizer: `stabilize.strength` 0 is off (live's flow: ultrafast, half size).
    StabilizerOptions stabilize = live_stabilizer_options(0);
    /// Called on the inference thread with each stylized frame (CV_8UC3 BGR, not to be written
    /// into) before the UI can take it, e.g. `LiveStreamOutput::offer`; must not block.
    std::function<void(const cv::Mat& stylized)> on_stylized;
};

/// A command from the UI to the inference thread.
struct LiveCommand {
    enum class Kind {
        SelectStyle,        ///< `index`
        SetStrength,        ///< `value` 0..1
        SetPreserveColors,  ///< `flag`
        SetScale,           ///< `value`: the user's scale (with auto scale, the ceiling)
        SetAutoScale,       ///< `flag`
        SetNetwork,         ///< `network` (device/precision): reloads the styles
        StartRecording,     ///< `path`; `flag`: side by side
        StopRecording,
        SetPaused,        ///< `flag`: stop stylizing (frames are still captured and dropped)
        AddStyle,         ///< `style` (e.g. a painting): appended to the list and selected
        SetStabilize,     ///< `value` 0..1: temporal stabilizer strength (0: off)
        SetTemporalNorm,  ///< `value` 0..0.99: carried instance-norm statistics (0: off)
    };
    Kind kind = Kind::StopRecording;
    int index = 0;
    double value = 0;
    bool flag = false;
    NetworkOptions network{};
    std::string path;
    StyleEntry style;

    static LiveCommand select_style(int index) {
        return make(Kind::SelectStyle, [&](auto& c) { c.index = index; });
    }
    static LiveCommand strength(double value) {
        return make(Kind::SetStrength, [&](auto& c) { c.value = value; });
    }
    static LiveCommand preserve_colors(bool on) {
        return make(Kind::SetPreserveColors, [&](auto& c) { c.flag = on; });
    }
    static LiveCommand scale(double value) {
        return make(Kind::SetScale, [&](auto& c) { c.value = value; });
    }
    static LiveCommand auto_scale(bool on) {
        return make(Kind::SetAutoScale, [&](auto& c) { c.flag = on; });
    }
    static LiveCommand set_network(NetworkOptions options) {
        return make(Kind::SetNetwork, [&](auto& c) { c.network = options; });
    }
    static LiveCommand start_recording(std::string path, bool side_by_side) {
        return make(Kind::StartRecording, [&](auto& c) {
            c.path = std::move(path);
            c.flag = side_by_side;
        });
    }
    static LiveCommand stop_recording() {
        return make(Kind::StopRecording, [](auto&) {});
    }
    static LiveCommand set_paused(bool paused) {
        return make(Kind::SetPaused, [&](auto& c) { c.flag = paused; });
    }
    static LiveCommand stabilize(double strength) {
        return make(Kind::SetStabilize, [&](auto& c) { c.value = strength; });
    }
    static LiveCommand temporal_norm(double smoothing) {
        return make(Kind::SetTemporalNorm, [&](auto& c) { c.value = smoothing; });
    }
    static LiveCommand add_style(StyleEntry style) {
        return make(Kind::AddStyle, [&](auto& c) { c.style = std::move(style); });
    }

  private:
    template <typename Fill>
    static LiveCommand make(Kind kind, Fill fill) {
        LiveCommand command;
        command.kind = kind;
        fill(command);
        return command;
    }
};

/// One stylized frame with the frame it came from.
struct LiveResult {
    cv::Mat original;  ///< CV_8UC3 BGR, as captured
    cv::Mat stylized;  ///< CV_8UC3 BGR, same size
    int64_t sequence = 0;
    LiveClock::time_point captured;
    double inference_ms = 0;
    double stabilize_ms = 0;  ///< the temporal stabilizer's time for this frame (0: off)
    bool stabilized = false;  ///< blended with the previous output (false: off, first, cut)
    int style = 0;
};

struct LiveStats {
    std::string source;         ///< description of the open source
    std::string source_status;  ///< empty while fine, else e.g. "camera 0 lost: reopening in 2 s"
    std::string network;        ///< "torch cpu (2 threads) fp32"
    std::string error;          ///< last inference/model error, empty when fine
    double capture_fps = 0;
    double inference_fps = 0;
    double inference_ms = 0;   ///< last frame's network time (scale, pad, run, colour, blend)
    double stabilize = 0;      ///< temporal stabilizer strength (0: off)
    double stabilize_ms = 0;   ///< its time for the last frame, ms
    double temporal_norm = 0;  ///< the share of statistics carried from frame to frame (0: off)
    double scale = 1;  ///< the inference scale of the last frame (auto scale's or the user's)
    bool auto_scale = false;  ///< auto scale is on
    double target_fps = 0;    ///< the rate auto scale holds (when on)
    int64_t captured = 0;
    int64_t stylized = 0;
    int64_t dropped = 0;  ///< captured frames the inference thread never saw
    int style = 0;
    bool paused = false;  ///< stylization paused (e.g. while an optimization runs)
    bool recording = false;
    std::string recording_path;
    int64_t recorded_frames = 0;  ///< frames in (or queued for) the recording
    std::string recording_error;
};

class LivePipeline {
  public:
    /// Starts both threads with an already opened `source` (so that a bad source is reported
    /// before any window opens).
    LivePipeline(LiveSettings settings, std::unique_ptr<FrameSource> source);
    ~LivePipeline();
    LivePipeline(const LivePipeline&) = delete;
    LivePipeline& operator=(const LivePipeline&) = delete;

    /// Stops the threads; a running recording is flushed and closed. Idempotent.
    void stop();

    /// The newest result not taken yet (main thread).
    std::optional<LiveResult> take_result() { return results_.try_take(); }
    /// Queues a command for the inference thread.
    void send(LiveCommand command);
    LiveStats stats() const;
    /// The styles (a copy: AddStyle appends to them on the inference thread).
    std::vector<StyleEntry> styles() const;

    /// Style thumbnails (the current frame in each style, small); `version` changes when any
    /// changed. Empty Mats for styles not rendered yet.
    std::vector<cv::Mat> thumbnails(uint64_t* version) const;

  private:
    /// A model file's modification time and size, to see that it changed since it was loaded.
    struct FileStamp {
        std::filesystem::file_time_type time{};
        std::uintmax_t size = 0;
        static FileStamp of(const std::string& path);
        bool operator==(const FileStamp& other) const {
            return time == other.time && size == other.size;
        }
    };
    struct CapturedFrame {
        cv::Mat image;
        int64_t sequence;
        LiveClock::time_point captured;
    };

    void capture_loop();
    void inference_loop();
    void apply(const LiveCommand& command);
    Stylizer& stylizer_for(int style);
    /// Loads `style` again if its file changed since it was loaded; throws (keeping the loaded
    /// one) when the new file does not load.
    void reload_if_changed(int style);
    /// AddStyle: loads the style (a painting: computes its code), appends and selects it.
    void add_style(const StyleEntry& entry);
    void refresh_thumbnail(const cv::Mat& frame);
    void set_error(const std::string& message);
    /// The scale the current style runs at: auto scale's choice when on, else the user's.
    double scale_in_use() const;
    /// Auto scale's target: `settings_.target_fps`, else the measured capture rate (at most 30).
    double auto_scale_target_fps() const;
    /// Flushes and closes the recording (if any), keeping its path and count in the stats.
    void finish_recording();

    LiveSettings settings_;
    std::unique_ptr<FrameSource> source_;  // capture thread
    std::atomic<bool> running_{true};

    Mailbox<CapturedFrame> frames_;
    Mailbox<LiveResult> results_;
    RateMeter capture_rate_, inference_rate_;

    std::mutex commands_mutex_;
    std::deque<LiveCommand> commands_;

    // inference thread only
    std::vector<std::unique_ptr<Stylizer>> stylizers_;
    std::vector<FileStamp> stamps_;  ///< of each loaded stylizer's file, when it was loaded
    std::unique_ptr<Recorder> recorder_;
    bool record_side_by_side_ = false;
    bool paused_ = false;
    int next_thumbnail_ = 0;
    AutoScale auto_scale_;
    TemporalStabilizer stabilizer_;
    /// Frames stylized so far (the networks' timelines count them), and whether the next one
    /// starts a new video (a style switch, a pause: statistics are not carried across).
    int64_t video_frame_ = 0;
    bool restart_norms_ = true;

    mutable std::mutex styles_mutex_;  // guards settings_.styles against the UI's reads

    mutable std::mutex stats_mutex_;
    LiveStats stats_;
    std::vector<cv::Mat> thumbnails_;
    uint64_t thumbnails_version_ = 0;

    std::thread capture_thread_, inference_thread_;
};

}  // namespace stylecam
