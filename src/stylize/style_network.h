#pragma once
/// A style network behind one interface, whatever runs it (LibTorch or OpenCV DNN).
/// An instance is owned and called by one thread at a time.

#include "core/device.h"
#include "stylize/painting.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stylecam {

class NormTimeline;

struct NetworkOptions {
    DeviceKind device = DeviceKind::Auto;
    Precision precision = Precision::Auto;
};

class StyleNetwork {
  public:
    virtual ~StyleNetwork() = default;
    /// Stylizes a CV_8UC3 BGR image whose height and width are multiples of `size_multiple()`
    /// and at least twice that; returns CV_8UC3 BGR of the same size.
    virtual cv::Mat run(const cv::Mat& bgr8) = 0;
    /// `run` for frame `frame` of a video whose instance-norm statistics `timeline` carries from
    /// frame to frame (nets/norm_timeline.h). Networks without such statistics just `run`.
    virtual cv::Mat run_frame(const cv::Mat& bgr8, NormTimeline& /*timeline*/, int64_t /*frame*/) {
        return run(bgr8);
    }
    /// What the input's height and width must be multiples of (4, or more for shuffled nets).
    virtual int size_multiple() const { return 4; }
    /// "torch cpu (2 threads) fp32", "opencv-dnn cpu" — for logs and the UI.
    virtual std::string describe() const = 0;

    /// Arbitrary-style networks (MicroAST) take their style from paintings; trained styles have
    /// theirs in the weights.
    virtual bool is_arbitrary() const { return false; }
    /// Sets the painting(s) to transfer (arbitrary networks only; others throw `Error`).
    /// Returns notes for the log (a huge painting was resized). Throws `Error("<file>: ...")`.
    virtual std::vector<std::string> set_style(const PaintingStyle& style);
    /// True when the network applies the strength itself (in feature space) instead of the
    /// Stylizer blending its output with the original.
    virtual bool applies_strength() const { return false; }
    /// 0..1, for networks that apply it (see `applies_strength`).
    virtual void set_strength(double /*strength*/) {}
};

/// Opens a model file: `.onnx` through OpenCV DNN (CPU, fp32), a safetensors file whose metadata
/// says `architecture=microast` as the arbitrary-style network (set_style before run), anything
/// else as a safetensors transformer net through LibTorch. Throws `Error("<path>: ...")`.
std::unique_ptr<StyleNetwork> open_style_network(const std::string& path,
                                                 const NetworkOptions& options);

}  // namespace stylecam
