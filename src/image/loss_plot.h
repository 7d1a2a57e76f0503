#pragma once
/// Loss curves as a picture: several named series against the iteration, on a log-scale y axis
/// (losses span orders of magnitude). Pure drawing with OpenCV; used by `optimize` (and by
/// training) to write a PNG beside the result.

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace stylecam {

struct PlotSeries {
    std::string name;
    std::vector<double> values;  ///< one per iteration from 0; non-positive values are skipped
    cv::Scalar color;            ///< BGR
};

/// A CV_8UC3 plot of `size` with axes, ticks at powers of ten, a legend and `title`.
cv::Mat plot_loss_curves(const std::vector<PlotSeries>& series, const std::string& title,
                         cv::Size size = {800, 480});

}  // namespace stylecam
