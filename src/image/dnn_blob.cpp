#include "image/dnn_blob.h"

#include "core/error.h"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

namespace stylecam {

cv::Mat image_to_blob(const cv::Mat& bgr8) {
    STYLECAM_CHECK(bgr8.type() == CV_8UC3, "image_to_blob: expected an 8-bit 3-channel image");
    return cv::dnn::blobFromImage(bgr8, 1.0, cv::Size(), cv::Scalar(), /*swapRB=*/true,
                                  /*crop=*/false, CV_32F);
}

cv::Mat blob_to_image(const cv::Mat& blob) {
    STYLECAM_CHECK(
        blob.dims == 4 && blob.size[0] == 1 && blob.size[1] == 3 && blob.type() == CV_32F,
        "blob_to_image: expected a 1×3×H×W float blob");
    const int height = blob.size[2], width = blob.size[3];
    std::vector<cv::Mat> planes;  // R, G, B views into the blob
    for (int c = 0; c < 3; ++c)
        planes.emplace_back(height, width, CV_32F, const_cast<float*>(blob.ptr<float>(0, c)));
    cv::Mat rgb_float, bgr8;
    cv::merge(std::vector<cv::Mat>{planes[2], planes[1], planes[0]}, rgb_float);
    rgb_float.convertTo(bgr8, CV_8U);  // saturates to 0..255 and rounds to nearest
    return bgr8;
}

}  // namespace stylecam
