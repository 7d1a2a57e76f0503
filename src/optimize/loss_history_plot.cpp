#include "optimize/loss_history_plot.h"

#include "image/loss_plot.h"

namespace stylecam {

cv::Mat plot_loss_history(const std::vector<IterationReport>& history, const LossWeights& weights,
                          const std::string& title, cv::Size size) {
    PlotSeries content{"content", {}, cv::Scalar(200, 120, 0)};
    PlotSeries style{"style", {}, cv::Scalar(0, 0, 200)};
    PlotSeries total{"total", {}, cv::Scalar(40, 40, 40)};
    for (const auto& entry : history) {
        content.values.push_back(weights.content * entry.content);
        style.values.push_back(weights.style * entry.style);
        total.values.push_back(entry.total);
    }
    return plot_loss_curves({content, style, total}, title, size);
}

}  // namespace stylecam
