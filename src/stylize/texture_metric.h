#pragma once
/// The texture distance of `losses/distillation_losses.h` for pictures: how far an output's
/// texture (VGG19 Gram matrices at relu1_1, relu2_1, relu3_1) is from a reference's, relative to
/// the reference's, averaged over the three layers. 0 for equal images; a 1-pixel shift stays
/// near 0, a blur or an unstylized photo does not. Used by `stylecam eval`.
/// Runs on the CPU, in fp32, without gradients. One thread owns a TextureMetric.

#include "nets/vgg19_features.h"

#include <opencv2/core.hpp>

#include <string>

namespace stylecam {

class TextureMetric {
  public:
    /// Loads the VGG19 weights (they must reach conv3_1); throws `Error("<file>: ...")`.
    explicit TextureMetric(const std::string& vgg_file);
    explicit TextureMetric(Vgg19Features vgg);

    /// Texture distance of `output` to `reference` (CV_8UC3 BGR, sizes may differ: Gram
    /// matrices do not depend on the size). Throws `Error` for other image types.
    double distance(const cv::Mat& output, const cv::Mat& reference);

  private:
    Vgg19Features vgg_;
};

}  // namespace stylecam
