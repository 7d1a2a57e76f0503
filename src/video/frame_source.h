#pragma once
/// Live frame sources for `stylecam live`: a camera, a video file played in a loop at its own
/// frame rate, a still image, or a generated test pattern. A source is owned by one thread (the
/// capture thread); `read` blocks until the next frame is due.

#include <opencv2/core.hpp>

#include <memory>
#include <string>

namespace stylecam {

struct SourceSpec {
    enum class Kind { Camera, File, TestPattern };
    Kind kind = Kind::Camera;
    int camera_index = 0;
    std::string path;         ///< File: a video (looped) or a still image
    cv::Size size{640, 480};  ///< Camera: requested; TestPattern: produced
    double fps = 30;          ///< Camera: requested; TestPattern and still images: produced
};

class FrameSource {
  public:
    virtual ~FrameSource() = default;
    /// Blocks until the next frame is due, then fills `frame` (CV_8UC3 BGR). false when the
    /// source failed (camera unplugged, unreadable file); the caller may reopen it.
    virtual bool read(cv::Mat& frame) = 0;
    /// "camera 0 (640×480 @ 30 fps)", "vtest.avi (768×576 @ 10 fps, looped)", ...
    virtual std::string describe() const = 0;
};

/// Opens the source; throws `Error` with a one-line reason when it cannot be opened.
std::unique_ptr<FrameSource> open_frame_source(const SourceSpec& spec);

/// Draws test-pattern frame `index`: colour bars, a moving disc and the frame number, so that
/// every frame differs and motion is visible. Pure; used by the TestPattern source.
cv::Mat test_pattern_frame(cv::Size size, int64_t index);

}  // namespace stylecam
