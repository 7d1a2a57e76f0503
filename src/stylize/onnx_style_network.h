#pragma once
/// OpenCV DNN runner for ONNX exports of the same networks (input `input`, output `output`,
/// 1×3×H×W RGB 0..255). OpenCV 4.6 accepts static-shape exports and runs them at any size.

#include "stylize/style_network.h"

#include <opencv2/dnn.hpp>

namespace stylecam {

class OnnxStyleNetwork : public StyleNetwork {
  public:
    /// Throws `Error("<path>: ...")` if the file cannot be parsed. CPU and fp32 only: asking
    /// for CUDA or a lower precision is an error.
    OnnxStyleNetwork(const std::string& path, const NetworkOptions& options);
    cv::Mat run(const cv::Mat& bgr8) override;
    std::string describe() const override;

  private:
    std::string path_;
    cv::dnn::Net net_;
};

}  // namespace stylecam
