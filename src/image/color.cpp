#include "image/color.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace stylecam {

cv::Mat preserve_colors(const cv::Mat& stylized, const cv::Mat& original) {
    STYLECAM_CHECK(stylized.type() == CV_8UC3 && original.type() == CV_8UC3 &&
                       stylized.size() == original.size(),
                   "preserve_colors: expected two CV_8UC3 images of the same size");
    cv::Mat stylized_ycc, original_ycc;
    cv::cvtColor(stylized, stylized_ycc, cv::COLOR_BGR2YCrCb);
    cv::cvtColor(original, original_ycc, cv::COLOR_BGR2YCrCb);
    const int from_to[] = {0, 0};  // Y of the stylized image into the original's YCrCb
    cv::mixChannels(&stylized_ycc, 1, &original_ycc, 1, from_to, 1);
    cv::Mat out;
    cv::cvtColor(original_ycc, out, cv::COLOR_YCrCb2BGR);
    return out;
}

cv::Mat blend(const cv::Mat& stylized, const cv::Mat& original, double strength) {
    STYLECAM_CHECK(stylized.type() == original.type() && stylized.size() == original.size(),
                   "blend: images differ in size or type");
    strength = std::clamp(strength, 0.0, 1.0);
    if (strength >= 1.0) return stylized;
    cv::Mat out;
    cv::addWeighted(stylized, strength, original, 1.0 - strength, 0.0, out);
    return out;
}

}  // namespace stylecam
