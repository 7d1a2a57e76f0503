#include "stylize/onnx_style_network.h"

#include "core/error.h"
#include "image/dnn_blob.h"

#include <filesystem>

namespace stylecam {

OnnxStyleNetwork::OnnxStyleNetwork(const std::string& path, const NetworkOptions& options)
    : path_(path) {
    STYLECAM_CHECK(options.device != DeviceKind::Cuda, path,
                   ": ONNX models run on the CPU through OpenCV DNN; use a .safetensors model "
                   "for --device cuda");
    STYLECAM_CHECK(options.precision == Precision::Auto || options.precision == Precision::Fp32,
                   path, ": ONNX models run in fp32 only");
    std::error_code ec;
    STYLECAM_CHECK(std::filesystem::is_regular_file(path, ec), path, ": file not found");
    try {
        net_ = cv::dnn::readNetFromONNX(path);
    } catch (const cv::Exception& error) {
        STYLECAM_FAIL(path, ": cannot load ONNX model (", error.err,
                      "; dynamic-shape exports are not supported by OpenCV 4.6)");
    }
    STYLECAM_CHECK(!net_.empty(), path, ": cannot load ONNX model (empty network)");
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

cv::Mat OnnxStyleNetwork::run(const cv::Mat& bgr8) {
    net_.setInput(image_to_blob(bgr8));
    cv::Mat output;
    try {
        output = net_.forward();
    } catch (const cv::Exception& error) {
        STYLECAM_FAIL(path_, ": ONNX inference failed (", error.err, ")");
    }
    STYLECAM_CHECK(output.dims == 4 && output.size[1] == 3 && output.size[2] == bgr8.rows &&
                       output.size[3] == bgr8.cols,
                   path_, ": ONNX model output is not 1×3×H×W at the input's size");
    return blob_to_image(output);
}

std::string OnnxStyleNetwork::describe() const { return "opencv-dnn cpu fp32"; }

}  // namespace stylecam
