#include "live/live_pipeline.h"

#include "core/error.h"
#include "video/recorder.h"

#include <spdlog/spdlog.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

namespace stylecam {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);
/// Auto scale holds the source's rate up to this: more is not worth a lower scale.
constexpr double kMaxAutoTargetFps = 30;
/// How long stylizing waits for a recorder whose queue is full before that frame is dropped:
/// a slow encoder slows the stylized rate (the capture mailbox drops instead) rather than
/// leaving holes in the recording.
constexpr auto kRecorderBackpressure = std::chrono::seconds(1);

/// Sleeps up to `duration`, returning early when `running` turns false.
void sleep_while(const std::atomic<bool>& running, LiveClock::duration duration) {
    const auto until = LiveClock::now() + duration;
    while (running && LiveClock::now() < until) std::this_thread::sleep_for(kPollInterval);
}

}  // namespace

LivePipeline::FileStamp LivePipeline::FileStamp::of(const std::string& path) {
    std::error_code ec;
    FileStamp stamp;
    stamp.time = std::filesystem::last_write_time(path, ec);
    stamp.size = std::filesystem::file_size(path, ec);
    return stamp;
}

StabilizerOptions live_stabilizer_options(double strength) {
    StabilizerOptions options;
    options.strength = strength;
    options.dis_preset = kDisPresetUltrafast;
    options.flow_scale = 0.5;
    return options;
}

LivePipeline::LivePipeline(LiveSettings settings, std::unique_ptr<FrameSource> source)
    : settings_(std::move(settings)), source_(std::move(source)), stabilizer_(settings_.stabilize) {
    STYLECAM_CHECK(!settings_.styles.empty(), "live: no style to show");
    settings_.style = std::clamp(settings_.style, 0, static_cast<int>(settings_.styles.size()) - 1);
    stylizers_.resize(settings_.styles.size());
    stamps_.resize(settings_.styles.size());
    thumbnails_.resize(settings_.styles.size());
    stats_.source = source_ ? source_->describe() : "";
    stats_.style = settings_.style;
    STYLECAM_CHECK(settings_.target_fps >= 0, "live: target fps must be 0 (the source's rate) or ",
                   "positive, got ", settings_.target_fps);
    AutoScaleOptions auto_options;
    auto_options.target_fps = auto_scale_target_fps();
    auto_options.max_scale = settings_.stylizer.scale;
    auto_scale_ = AutoScale(auto_options);
    stats_.scale = settings_.stylizer.scale;
    stats_.auto_scale = settings_.auto_scale;
    stats_.target_fps = auto_scale_.target_fps();
    stats_.stabilize = settings_.stabilize.strength;
    stats_.temporal_norm = settings_.stylizer.temporal_norm;
    capture_thread_ = std::thread([this] { capture_loop(); });
    inference_thread_ = std::thread([this] { inference_loop(); });
}

LivePipeline::~LivePipeline() { stop(); }

void LivePipeline::stop() {
    running_ = false;
    frames_.close();
    if (capture_thread_.joinable()) capture_thread_.join();
    if (inference_thread_.joinable()) inference_thread_.join();
}

void LivePipeline::send(LiveCommand command) {
    std::lock_guard<std::mutex> lock(commands_mutex_);
    commands_.push_back(std::move(command));
}

LiveStats LivePipeline::stats() const {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    LiveStats copy = stats_;
    copy.capture_fps = capture_rate_.rate();
    copy.inference_fps = inference_rate_.rate();
    copy.dropped = frames_.dropped();
    return copy;
}

std::vector<StyleEntry> LivePipeline::styles() const {
    std::lock_guard<std::mutex> lock(styles_mutex_);
    return settings_.styles;
}

std::vector<cv::Mat> LivePipeline::thumbnails(uint64_t* version) const {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    if (version) *version = thumbnails_version_;
    return thumbnails_;
}

void LivePipeline::set_error(const std::string& message) {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    stats_.error = message;
}

double LivePipeline::scale_in_use() const {
    return settings_.auto_scale ? auto_scale_.current() : settings_.stylizer.scale;
}

double LivePipeline::auto_scale_target_fps() const {
    if (settings_.target_fps > 0) return settings_.target_fps;
    double source = capture_rate_.rate();
    if (source <= 0) {
        // Nothing measured yet: the rate asked of a camera or generated source; a file's own
        // rate is not known here.
        source = settings_.source.kind == SourceSpec::Kind::File ? kMaxAutoTargetFps
                                                                 : settings_.source.fps;
    }
    return std::clamp(source, 1.0, kMaxAutoTargetFps);
}

void LivePipeline::capture_loop() {
    int64_t sequence = 0;
    auto backoff = std::chrono::milliseconds(500);
    while (running_) {
        try {
            if (!source_) {
                source_ = open_frame_source(settings_.source);
                backoff = std::chrono::milliseconds(500);
                std::lock_guard<std::mutex> lock(stats_mutex_);
                stats_.source = source_->describe();
                stats_.source_status.clear();
            }
            cv::Mat image;
            if (!source_->read(image)) {
                source_.reset();
                std::lock_guard<std::mutex> lock(stats_mutex_);
                stats_.source_status = stats_.source + " lost: reopening";
                continue;
            }
            const auto now = LiveClock::now();
            capture_rate_.tick(now);
            frames_.put({std::move(image), sequence++, now});
            std::lock_guard<std::mutex> lock(stats_mutex_);
            stats_.captured = sequence;
        } catch (const std::exception& error) {
            source_.reset();
            {
                std::lock_guard<std::mutex> lock(stats_mutex_);
                stats_.source_status = one_line_message(error) + " (retrying in " +
                                       std::to_string(backoff.count() / 1000.0).substr(0, 3) +
                                       " s)";
            }
            sleep_while(running_, backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(8000));
        }
    }
    source_.reset();
}

Stylizer& LivePipeline::stylizer_for(int style) {
    auto& slot = stylizers_.at(static_cast<size_t>(style));
    if (!slot) {
        const auto& entry = settings_.styles[static_cast<size_t>(style)];
        StylizerOptions options = settings_.stylizer;
        options.painting = entry.painting;
        const auto stamp = FileStamp::of(entry.path);
        slot = std::make_unique<Stylizer>(entry.path, options);
        stamps_.at(static_cast<size_t>(style)) = stamp;
    }
    return *slot;
}

void LivePipeline::reload_if_changed(int style) {
    auto& slot = stylizers_.at(static_cast<size_t>(style));
    const auto& entry = settings_.styles[static_cast<size_t>(style)];
    const auto stamp = FileStamp::of(entry.path);
    if (!slot || stamp == stamps_.at(static_cast<size_t>(style))) return;
    StylizerOptions options = settings_.stylizer;
    options.painting = entry.painting;
    std::unique_ptr<Stylizer> fresh;
    try {
        fresh = std::make_unique<Stylizer>(entry.path, options);
    } catch (const std::exception& error) {
        const auto& current = settings_.styles[static_cast<size_t>(settings_.style)];
        STYLECAM_FAIL("style ", entry.name, ": ", one_line_message(error), " (still showing ",
                      current.name, ")");
    }
    slot = std::move(fresh);
    stamps_.at(static_cast<size_t>(style)) = stamp;
}

void LivePipeline::apply(const LiveCommand& command) {
    using Kind = LiveCommand::Kind;
    auto& options = settings_.stylizer;
    switch (command.kind) {
        case Kind::SelectStyle:
            if (command.index >= 0 && command.index < static_cast<int>(settings_.styles.size())) {
                reload_if_changed(command.index);  // a file replaced meanwhile: load it again
                stylizer_for(command.index);       // load now: errors keep the current style
                if (command.index != settings_.style) {
                    auto_scale_.reset(options.scale);
                    stabilizer_.reset();  // never blend the new style with the old one
                    restart_norms_ = true;
                    // logged here, where it happens: a UI polling the stats could miss a switch
                    // there and back applied in one batch of commands
                    spdlog::info("style {}",
                                 settings_.styles[static_cast<size_t>(command.index)].name);
                }
                settings_.style = command.index;
            }
            break;
        case Kind::SetStrength:
            options.strength = std::clamp(command.value, 0.0, 1.0);
            break;
        case Kind::SetPreserveColors:
            options.preserve_colors = command.flag;
            break;
        case Kind::SetScale:
            options.scale = std::clamp(command.value, 0.1, 2.0);
            auto_scale_.reset(options.scale);  // the user's scale is auto scale's ceiling
            break;
        case Kind::SetAutoScale:
            settings_.auto_scale = command.flag;
            auto_scale_.reset(options.scale);
            break;
        case Kind::SetNetwork: {
            // Build the new current stylizer first: a failure (e.g. no CUDA) keeps the old ones.
            StylizerOptions next = options;
            next.network = command.network;
            const auto& current = settings_.styles[static_cast<size_t>(settings_.style)];
            StylizerOptions with_painting = next;
            with_painting.painting = current.painting;
            auto replacement = std::make_unique<Stylizer>(current.path, with_painting);
            options = next;
            for (auto& stylizer : stylizers_) stylizer.reset();
            stylizers_[static_cast<size_t>(settings_.style)] = std::move(replacement);
            stamps_[static_cast<size_t>(settings_.style)] = FileStamp::of(current.path);
            auto_scale_.reset(options.scale);
            stabilizer_.reset();
            restart_norms_ = true;
            break;
        }
        case Kind::StartRecording:
            finish_recording();
            recorder_ = std::make_unique<Recorder>(command.path);
            record_side_by_side_ = command.flag;
            break;
        case Kind::StopRecording:
            finish_recording();
            break;
        case Kind::SetPaused:
            paused_ = command.flag;
            stabilizer_.reset();  // the scene may have changed meanwhile
            restart_norms_ = true;
            break;
        case Kind::AddStyle:
            add_style(command.style);
            stabilizer_.reset();
            restart_norms_ = true;
            break;
        case Kind::SetTemporalNorm: {
            StylizerOptions next = options;
            next.temporal_norm = command.value;
            validate(next);
            options = next;
            for (auto& stylizer : stylizers_)
                if (stylizer) stylizer->set_temporal_norm(command.value);
            restart_norms_ = true;
            break;
        }
        case Kind::SetStabilize:
            stabilizer_.set_strength(command.value);
            break;
    }
    for (auto& stylizer : stylizers_) {
        if (!stylizer) continue;
        stylizer->set_strength(options.strength);
        stylizer->set_scale(scale_in_use());
        stylizer->set_preserve_colors(options.preserve_colors);
    }
    std::lock_guard<std::mutex> lock(stats_mutex_);
    stats_.style = settings_.style;
    stats_.auto_scale = settings_.auto_scale;
    stats_.scale = scale_in_use();
    stats_.paused = paused_;
    stats_.stabilize = stabilizer_.options().strength;
    stats_.temporal_norm = settings_.stylizer.temporal_norm;
    stats_.recording = recorder_ != nullptr;
    if (recorder_) {
        stats_.recording_path = recorder_->path();
        stats_.recorded_frames = 0;
        stats_.recording_error.clear();
    }
}

void LivePipeline::add_style(const StyleEntry& entry) {
    // Load first (a painting's code is computed here): a bad painting keeps the current style.
    StylizerOptions options = settings_.stylizer;
    options.painting = entry.painting;
    auto stylizer = std::make_unique<Stylizer>(entry.path, options);
    cv::Mat thumbnail;
    if (!entry.painting.empty()) {
        const auto& part = entry.painting.parts.front();
        const cv::Mat painting =
            prepare_painting(part, std::max(settings_.thumbnail_size.height, kMinPaintingSide)).bgr;
        cv::resize(painting, thumbnail, settings_.thumbnail_size, 0, 0, cv::INTER_AREA);
    }
    {
        std::lock_guard<std::mutex> lock(styles_mutex_);
        settings_.styles.push_back(entry);
    }
    stylizers_.push_back(std::move(stylizer));
    stamps_.push_back(FileStamp::of(entry.path));
    {
        std::lock_guard<std::mutex> lock(stats_mutex_);
        thumbnails_.push_back(thumbnail);
        ++thumbnails_version_;
    }
    settings_.style = static_cast<int>(settings_.styles.size()) - 1;
    auto_scale_.reset(settings_.stylizer.scale);
    spdlog::info("style {}", entry.name);
}

void LivePipeline::finish_recording() {
    if (!recorder_) return;
    recorder_->stop();
    {
        std::lock_guard<std::mutex> lock(stats_mutex_);
        stats_.recording = false;
        stats_.recording_path = recorder_->path();
        stats_.recorded_frames = recorder_->frames_written();
        stats_.recording_error = recorder_->error();
    }
    recorder_.reset();
}

void LivePipeline::refresh_thumbnail(const cv::Mat& frame) {
    const int style = next_thumbnail_;
    next_thumbnail_ = (next_thumbnail_ + 1) % static_cast<int>(settings_.styles.size());
    // A painting's thumbnail is the painting (set when it was added).
    if (!settings_.styles[static_cast<size_t>(style)].painting.empty() &&
        !thumbnails_[static_cast<size_t>(style)].empty())
        return;
    cv::Mat small;
    cv::resize(frame, small, settings_.thumbnail_size, 0, 0, cv::INTER_AREA);
    Stylizer& stylizer = stylizer_for(style);  // also preloads every style in turn
    const double scale = stylizer.options().scale;
    stylizer.set_scale(1.0);
    cv::Mat thumbnail = stylizer.stylize(small);
    stylizer.set_scale(scale);
    std::lock_guard<std::mutex> lock(stats_mutex_);
    thumbnails_[static_cast<size_t>(style)] = thumbnail;
    ++thumbnails_version_;
}

void LivePipeline::inference_loop() {
    int64_t stylized = 0;
    if (!settings_.record_path.empty()) {
        try {
            apply(
                LiveCommand::start_recording(settings_.record_path, settings_.record_side_by_side));
        } catch (const std::exception& error) {
            std::lock_guard<std::mutex> lock(stats_mutex_);
            stats_.recording_error = one_line_message(error);
        }
    }
    while (running_) {
        try {
            std::deque<LiveCommand> pending;
            {
                std::lock_guard<std::mutex> lock(commands_mutex_);
                pending.swap(commands_);
            }
            for (const auto& command : pending) {
                try {
                    apply(command);
                    set_error("");
                } catch (const std::exception& error) {
                    set_error(one_line_message(error));
                }
            }

            auto frame = frames_.take(kPollInterval);
            if (!frame || paused_) continue;
            Stylizer& stylizer = stylizer_for(settings_.style);
            const double scale = scale_in_use();
            if (stylizer.options().scale != scale) stylizer.set_scale(scale);
            // Every rung auto scale may step to is run once now, at this style's first frame:
            // a step later is seamless, and memory is claimed up front, not minutes in.
            if (settings_.auto_scale) stylizer.prepare(frame->image.size(), auto_scale_.ladder());
            const auto start = LiveClock::now();
            LiveResult result;
            if (restart_norms_) stylizer.restart_video(video_frame_);
            restart_norms_ = false;
            result.stylized = stylizer.stylize_frame(frame->image, video_frame_++);
            result.inference_ms =
                std::chrono::duration<double, std::milli>(LiveClock::now() - start).count();
            result.stylized = stabilizer_.process(frame->image, result.stylized);
            result.stabilize_ms = stabilizer_.last().ms;
            result.stabilized = stabilizer_.last().blended;
            if (settings_.auto_scale) {
                auto_scale_.set_target_fps(auto_scale_target_fps());
                // applied to the next frame; the stabilizer's time is part of the frame's cost
                const double frame_ms = result.inference_ms + result.stabilize_ms;
                const double next = auto_scale_.update(frame_ms);
                if (next != scale)
                    spdlog::info("auto scale {:.2f} -> {:.2f} (frame {:.0f} ms, budget {:.0f} ms)",
                                 scale, next, frame_ms, auto_scale_.budget_ms());
            }
            result.original = std::move(frame->image);
            result.sequence = frame->sequence;
            result.captured = frame->captured;
            result.style = settings_.style;
            inference_rate_.tick();
            ++stylized;

            // A recording that failed (a full disk) ends here: closed, it plays up to the fault.
            if (recorder_ && !recorder_->error().empty()) finish_recording();
            if (recorder_) {
                if (record_side_by_side_) {
                    cv::Mat both;
                    cv::hconcat(result.original, result.stylized, both);
                    recorder_->push(both, result.captured, kRecorderBackpressure);
                } else {
                    recorder_->push(result.stylized, result.captured, kRecorderBackpressure);
                }
            }
            {
                std::lock_guard<std::mutex> lock(stats_mutex_);
                stats_.network = stylizer.describe();
                stats_.inference_ms = result.inference_ms;
                stats_.stabilize_ms = result.stabilize_ms;
                stats_.scale = scale;
                stats_.auto_scale = settings_.auto_scale;
                stats_.target_fps = auto_scale_.target_fps();
                stats_.stylized = stylized;
                if (recorder_) {
                    stats_.recorded_frames = recorder_->frames_accepted();
                    stats_.recording_error = recorder_->error();
                }
            }
            const cv::Mat original = result.original;
            if (settings_.on_stylized) settings_.on_stylized(result.stylized);
            results_.put(std::move(result));
            if (settings_.thumbnail_every > 0 && stylized % settings_.thumbnail_every == 1)
                refresh_thumbnail(original);
        } catch (const std::exception& error) {
            set_error(one_line_message(error));
            sleep_while(running_, std::chrono::milliseconds(200));
        }
    }
    finish_recording();
}

}  // namespace stylecam
