#include "image/loss_plot.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace stylecam {

cv::Mat plot_loss_curves(const std::vector<PlotSeries>& series, const std::string& title,
                         cv::Size size) {
    cv::Mat canvas(size, CV_8UC3, cv::Scalar(255, 255, 255));
    const cv::Rect plot(70, 40, size.width - 90, size.height - 90);
    const int font = cv::FONT_HERSHEY_SIMPLEX;
    cv::putText(canvas, title, {plot.x, 25}, font, 0.6, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);

    double low = std::numeric_limits<double>::infinity(), high = 0;
    size_t count = 0;
    for (const auto& s : series) {
        count = std::max(count, s.values.size());
        for (double v : s.values)
            if (v > 0 && std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
    }
    cv::rectangle(canvas, plot, cv::Scalar(0, 0, 0), 1);
    if (count == 0 || !(high > 0)) return canvas;
    const double log_low = std::floor(std::log10(low)),
                 log_high = std::ceil(std::log10(high) + 1e-9);
    const double span = std::max(1.0, log_high - log_low);
    const double last = std::max<double>(1, static_cast<double>(count - 1));
    const auto to_point = [&](size_t i, double v) {
        const double x = plot.x + plot.width * (static_cast<double>(i) / last);
        const double y = plot.y + plot.height * (1.0 - (std::log10(v) - log_low) / span);
        return cv::Point(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
    };
    for (double e = log_low; e <= log_high; e += 1) {  // decades
        const int y = to_point(0, std::pow(10.0, e)).y;
        cv::line(canvas, {plot.x, y}, {plot.x + plot.width, y}, cv::Scalar(225, 225, 225), 1);
        cv::putText(canvas, "1e" + std::to_string(static_cast<int>(e)), {8, y + 4}, font, 0.4,
                    cv::Scalar(60, 60, 60), 1, cv::LINE_AA);
    }
    for (int tick = 0; tick <= 4; ++tick) {
        const auto i = static_cast<size_t>(std::lround(last * tick / 4));
        const int x = to_point(i, std::pow(10.0, log_low)).x;
        cv::putText(canvas, std::to_string(i), {x - 10, plot.y + plot.height + 18}, font, 0.4,
                    cv::Scalar(60, 60, 60), 1, cv::LINE_AA);
    }
    cv::putText(canvas, "iteration", {plot.x + plot.width / 2 - 30, size.height - 12}, font, 0.45,
                cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    int legend_y = plot.y + 18;
    for (const auto& s : series) {
        std::vector<cv::Point> points;
        for (size_t i = 0; i < s.values.size(); ++i)
            if (s.values[i] > 0 && std::isfinite(s.values[i]))
                points.push_back(to_point(i, s.values[i]));
        if (points.size() == 1) cv::circle(canvas, points[0], 3, s.color, cv::FILLED, cv::LINE_AA);
        if (points.size() > 1) cv::polylines(canvas, points, false, s.color, 2, cv::LINE_AA);
        cv::line(canvas, {plot.x + plot.width - 150, legend_y - 4},
                 {plot.x + plot.width - 125, legend_y - 4}, s.color, 2, cv::LINE_AA);
        cv::putText(canvas, s.name, {plot.x + plot.width - 118, legend_y}, font, 0.45,
                    cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
        legend_y += 18;
    }
    return canvas;
}

}  // namespace stylecam
