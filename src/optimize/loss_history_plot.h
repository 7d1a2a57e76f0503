#pragma once
/// The optimization's loss curve: weighted content, weighted style and total against the
/// iteration (passes one after the other), drawn by image/loss_plot. Used by `stylecam optimize
/// --loss-curve` and the window's Optimize tab.

#include "optimize/gatys_optimizer.h"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace stylecam {

/// CV_8UC3 plot of `history` with the loss `weights` applied to the content and style terms.
cv::Mat plot_loss_history(const std::vector<IterationReport>& history, const LossWeights& weights,
                          const std::string& title, cv::Size size = {800, 480});

}  // namespace stylecam
