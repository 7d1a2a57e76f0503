#pragma once
/// A style network behind one interface, whatever runs it (LibTorch or OpenCV DNN).
/// An instance is owned and called by one thread at a time.

#include "core/device.h"

#include <opencv2/core.hpp>

#include <memory>
#include <string>

namespace stylecam {

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
    /// What the input's height and width must be multiples of (4, or more for shuffled nets).
    virtual int size_multiple() const { return 4; }
    /// "torch cpu (2 threads) fp32", "opencv-dnn cpu" — for logs and the UI.
    virtual std::string describe() const = 0;
};

/// Opens a model file: `.onnx` through OpenCV DNN (CPU, fp32), anything else as a safetensors
/// transformer net through LibTorch. Throws `Error("<path>: ...")`.
std::unique_ptr<StyleNetwork> open_style_network(const std::string& path,
                                                 const NetworkOptions& options);

}  // namespace stylecam
