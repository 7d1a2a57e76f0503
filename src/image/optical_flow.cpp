#include "image/optical_flow.h"

#include "core/error.h"

#include <opencv2/imgproc.hpp>

namespace stylecam {

int parse_dis_preset(const std::string& name) {
    if (name == "ultrafast") return kDisPresetUltrafast;
    if (name == "fast") return kDisPresetFast;
    if (name == "medium") return kDisPresetMedium;
    STYLECAM_FAIL("unknown optical flow preset '", name, "' (ultrafast, fast or medium)");
}

const char* dis_preset_name(int preset) {
    switch (preset) {
        case kDisPresetUltrafast:
            return "ultrafast";
        case kDisPresetFast:
            return "fast";
        case kDisPresetMedium:
            return "medium";
    }
    return "unknown";
}

cv::Mat grey_of(const cv::Mat& bgr) {
    STYLECAM_CHECK(!bgr.empty() && bgr.type() == CV_8UC3, "grey_of: expected a CV_8UC3 image");
    cv::Mat out;
    cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
    return out;
}

DisFlow::DisFlow(int preset) : preset_(preset) {
    STYLECAM_CHECK(preset >= kDisPresetUltrafast && preset <= kDisPresetMedium,
                   "DisFlow: unknown preset ", preset);
    dis_ = cv::DISOpticalFlow::create(preset);
}

cv::Mat DisFlow::calc(const cv::Mat& from_grey, const cv::Mat& to_grey) {
    STYLECAM_CHECK(!from_grey.empty() && from_grey.type() == CV_8UC1 && to_grey.type() == CV_8UC1 &&
                       from_grey.size() == to_grey.size(),
                   "DisFlow: expected two grey CV_8UC1 frames of one size");
    cv::Mat flow;
    dis_->calc(from_grey, to_grey, flow);
    return flow;
}

void flow_to_maps(const cv::Mat& flow, cv::Mat& map_x, cv::Mat& map_y) {
    STYLECAM_CHECK(flow.type() == CV_32FC2, "flow_to_maps: expected a CV_32FC2 flow");
    map_x.create(flow.size(), CV_32FC1);
    map_y.create(flow.size(), CV_32FC1);
    for (int y = 0; y < flow.rows; ++y) {
        const auto* f = flow.ptr<cv::Vec2f>(y);
        auto* mx = map_x.ptr<float>(y);
        auto* my = map_y.ptr<float>(y);
        for (int x = 0; x < flow.cols; ++x) {
            mx[x] = static_cast<float>(x) + f[x][0];
            my[x] = static_cast<float>(y) + f[x][1];
        }
    }
}

cv::Mat consistent_flow_mask(const cv::Mat& backward, const cv::Mat& forward, const cv::Mat& map_x,
                             const cv::Mat& map_y) {
    STYLECAM_CHECK(backward.type() == CV_32FC2 && forward.type() == CV_32FC2 &&
                       backward.size() == forward.size() && map_x.size() == backward.size() &&
                       map_y.size() == backward.size(),
                   "consistent_flow_mask: expected CV_32FC2 flows and maps of one size");
    // The forward flow seen from frame t: w̃_f(x) = w_f(x + w_b(x)).
    cv::Mat forward_at_t;
    cv::remap(forward, forward_at_t, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    const int rows = backward.rows, cols = backward.cols;
    cv::Mat reliable = cv::Mat::zeros(rows, cols, CV_8UC1);
    const float max_x = static_cast<float>(cols - 1), max_y = static_cast<float>(rows - 1);
    for (int y = 0; y < rows; ++y) {
        const auto* b = backward.ptr<cv::Vec2f>(y);
        const auto* f = forward_at_t.ptr<cv::Vec2f>(y);
        const auto* mx = map_x.ptr<float>(y);
        const auto* my = map_y.ptr<float>(y);
        auto* ok = reliable.ptr<uchar>(y);
        for (int x = 0; x < cols; ++x) {
            if (mx[x] < 0 || my[x] < 0 || mx[x] > max_x || my[x] > max_y) continue;
            const float sx = f[x][0] + b[x][0], sy = f[x][1] + b[x][1];
            const float ff = f[x][0] * f[x][0] + f[x][1] * f[x][1];
            const float bb = b[x][0] * b[x][0] + b[x][1] * b[x][1];
            if (sx * sx + sy * sy <= 0.01f * (ff + bb) + 0.5f) ok[x] = 255;
        }
    }
    return reliable;
}

}  // namespace stylecam
