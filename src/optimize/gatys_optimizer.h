#pragma once
/// Per-image style transfer by optimization (Gatys et al. 2016): an image is optimised so that its
/// VGG19 features match the content photo's and its Gram matrices match the painting's, with
/// L-BFGS (strong-Wolfe line search) or Adam, at one or several scales (coarse to fine, each
/// starting from the previous result upscaled). Targets are computed once per scale, before the
/// loop. Runs on the calling thread; `stop` ends it early with the best image so far.

#include "core/device.h"
#include "losses/style_losses.h"
#include "nets/vgg19_features.h"

#include <opencv2/core.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace stylecam {

struct LayerWeight {
    std::string layer;
    double weight = 1.0;
};

/// "relu1_1,relu2_1:0.5" → {{relu1_1, 1}, {relu2_1, 0.5}}; checks the names. Throws `Error`.
std::vector<LayerWeight> parse_layer_list(const std::string& text);
std::string to_string(const std::vector<LayerWeight>& layers);

/// Gatys' choice for a full VGG19 (content relu4_2; style relu1_1…relu5_1), or, for weights that
/// stop before conv4_2, content relu2_2 and style relu1_1, relu2_1, relu3_1 (what they hold).
struct DefaultLayers {
    std::vector<LayerWeight> content, style;
};
DefaultLayers default_layers(const Vgg19Features& vgg);

enum class OptimizerKind { Lbfgs, Adam };
enum class InitKind { Content, Noise, Style };
OptimizerKind parse_optimizer(const std::string& text);
InitKind parse_init(const std::string& text);

struct GatysOptions {
    std::vector<LayerWeight> content_layers;  ///< empty: default_layers()
    std::vector<LayerWeight> style_layers;    ///< empty: default_layers()
    LossWeights weights{1.0, 1e3, 0.0};
    std::vector<int> scales{512};  ///< longer side of the result at each pass, coarse to fine
    int style_size = 0;            ///< longer side of the style image; 0: the pass's scale
    int iterations = 300;          ///< per scale
    OptimizerKind optimizer = OptimizerKind::Lbfgs;
    double learning_rate = 0.02;  ///< Adam (the image is in 0..1)
    InitKind init = InitKind::Content;
    uint64_t seed = 0;
    bool preserve_colors = false;
    /// Of the VGG19 loss network (resolve_loss_precision): auto is bf16 where the CPU computes it
    /// natively (1.4× faster per iteration at 256 px on the development machine, no faster at
    /// 512 px), else fp32. Losses and the image stay fp32.
    Precision precision = Precision::Auto;
};

/// Throws `Error` naming the option for non-positive sizes or iteration counts, bad weights, ...
void validate(const GatysOptions& options);

/// The loss terms at one iterate (unweighted terms, weighted total).
struct IterationReport {
    int iteration = 0;  ///< 0: the pass's initial image, then one per optimizer iteration
    int scale = 0;      ///< the pass's longer side in pixels
    double content = 0, style = 0, tv = 0, total = 0;
    double seconds = 0;  ///< wall time of this iteration (0 for iteration 0)
};

struct GatysCallbacks {
    /// After each report (iteration 0 of every pass, then one per optimizer iteration).
    std::function<void(const IterationReport&)> on_report;
    /// Every `image_every` iterations with the current image (CV_8UC3 BGR).
    std::function<void(int iteration, const cv::Mat& image)> on_image;
    int image_every = 0;
    const std::atomic<bool>* stop = nullptr;
};

struct GatysResult {
    cv::Mat image;  ///< CV_8UC3 BGR: the lowest-loss iterate of the last pass
    std::vector<IterationReport> history;
    double seconds = 0;
    bool stopped = false;
};

class GatysOptimizer {
  public:
    GatysOptimizer(Vgg19Features vgg, GatysOptions options, torch::Device device = torch::kCPU);

    /// `content` and `style`: CV_8UC3 BGR of any size (resized to each pass's size, aspect kept).
    GatysResult run(const cv::Mat& content, const cv::Mat& style,
                    const GatysCallbacks& callbacks = {});

    const GatysOptions& options() const { return options_; }

  private:
    Vgg19Features vgg_;
    GatysOptions options_;
    torch::Device device_;
};

/// Resizes so that the longer side is `longer_side` pixels (INTER_AREA down, INTER_CUBIC up);
/// unchanged when it already is.
cv::Mat resize_longer_side(const cv::Mat& image, int longer_side);

}  // namespace stylecam
