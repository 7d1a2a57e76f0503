#pragma once
/// Offline stylization of a photo, a folder of photos or a video file. Outputs are written
/// atomically: an error never leaves a half-written file behind. Runs on the calling thread.

#include "image/temporal_stabilizer.h"
#include "stylize/stylizer.h"
#include "video/frame_sink.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stylecam {

enum class InputKind { Image, Folder, Video };

/// Folder → Folder; a video extension → Video; anything else → Image.
/// Throws `Error("<path>: file not found")` when it does not exist.
InputKind classify_input(const std::string& path);

/// Called after each unit of work (frame or file): `done` so far of `total` (-1 if unknown).
using ProgressCallback = std::function<void(int64_t done, int64_t total)>;

/// Stylizes one picture; alpha and 16-bit depth are carried over where the output format keeps
/// them. If `output` is an existing folder, the file goes inside it under the input's name.
/// Returns the path written.
std::string stylize_image_file(Stylizer& stylizer, const std::string& input,
                               const std::string& output);

struct FolderResult {
    int64_t written = 0;
    /// One line per file that failed ("<file>: <problem>"); the others are still written.
    std::vector<std::string> failures;
    bool interrupted = false;
};

/// Every image in `input_folder` (not recursive, by extension) into `output_folder` (created if
/// missing, must differ from the input) under the same names. Stops early when `stop` is set.
FolderResult stylize_folder(Stylizer& stylizer, const std::string& input_folder,
                            const std::string& output_folder, const ProgressCallback& progress,
                            const std::atomic<bool>* stop = nullptr);

struct VideoResult {
    int64_t frames = 0;
    double fps = 0;
    bool interrupted = false;    ///< stopped by `stop`: the file holds the frames done so far
    double stabilize_ms = 0;     ///< mean time of the temporal stabilizer per frame (0: off)
    int64_t stabilize_cuts = 0;  ///< scene cuts the stabilizer found (its history dropped)
    bool reader_closed = false;  ///< a sink's reader went away (a closed pipe) before the end
};

/// Every frame of `input` (or the first `max_frames` when ≥ 0) into `output` at the same size
/// and frame rate. When `stop` is set the frames so far are kept as a playable file; on an error
/// nothing is left behind. With `stabilize` (strength > 0), each stylized frame goes through a
/// `TemporalStabilizer` in frame order (on the encoder thread) before it is written.
VideoResult stylize_video_file(Stylizer& stylizer, const std::string& input,
                               const std::string& output, const ProgressCallback& progress,
                               const std::atomic<bool>* stop = nullptr, int64_t max_frames = -1,
                               const std::optional<StabilizerOptions>& stabilize = std::nullopt);

/// Opens the sink for a stream at `fps` frames/s (the input's rate).
using FrameSinkFactory = std::function<std::unique_ptr<FrameSink>(double fps)>;

/// As `stylize_video_file`, but each stylized frame goes to the sink `open_sink` makes (e.g. a
/// y4m pipe), in order, as soon as it is ready; nothing is written atomically. A sink whose
/// reader went away ends the job early with `reader_closed` (not an error).
VideoResult stylize_video_to_sink(Stylizer& stylizer, const std::string& input,
                                  const FrameSinkFactory& open_sink,
                                  const ProgressCallback& progress,
                                  const std::atomic<bool>* stop = nullptr, int64_t max_frames = -1,
                                  const std::optional<StabilizerOptions>& stabilize = std::nullopt);

}  // namespace stylecam
