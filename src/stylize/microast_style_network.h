#pragma once
/// The arbitrary-style network kind: MicroAST weights plus a painting style. A painting's style
/// code is computed once (one style-encoder pass) and cached per painting and size, so that
/// switching back to a painting, or mixing it with another, costs nothing while frames stream;
/// each frame then costs one content-encoder and one decoder pass.
///
/// Strength, for this kind: the style code moves from the frame's own code (strength 0: the
/// network redraws the frame in its own style) to the painting's (1), in feature space. It
/// replaces MicroAST's own α (an AdaIN blend inside the decoder), which with the published
/// weights saturates the image for every α strictly between 0 and 1. Below 1 it costs one more
/// style-encoder pass per frame.
///
/// Owned and called by one thread at a time (as every StyleNetwork).

#include "nets/microast.h"
#include "stylize/style_network.h"

#include <map>

namespace stylecam {

/// The dtype and layout MicroAST runs with for `precision` on `device` (measured in the
/// benchmark's MicroAST entries; see the README).
MicroAstRunOptions microast_run_options(Precision precision, const torch::Device& device);

class MicroAstStyleNetwork : public StyleNetwork {
  public:
    /// Loads the weights; throws `Error("<path>: ...")`. No style until `set_style`.
    MicroAstStyleNetwork(const std::string& path, const NetworkOptions& options);

    cv::Mat run(const cv::Mat& bgr8) override;
    /// Both AdaINs normalize the frame's content features by statistics carried over from the
    /// frames before (the temporal norm, as for transformer nets).
    cv::Mat run_frame(const cv::Mat& bgr8, NormTimeline& timeline, int64_t frame) override;
    std::string describe() const override;
    bool is_arbitrary() const override { return true; }
    std::vector<std::string> set_style(const PaintingStyle& style) override;
    bool applies_strength() const override { return true; }
    void set_strength(double strength) override;

    /// The code of the style now set (mixed, before strength).
    const MicroAstStyleCode& code() const { return code_; }
    /// Codes computed so far (one per painting and size).
    size_t cached_codes() const { return cache_.size(); }

  private:
    cv::Mat run_as(const cv::Mat& bgr8, NormFrame* frame);
    bool channels_last() const { return net_->run_options().channels_last; }
    MicroAstStyleCode code_of(const PaintingPart& part, int style_size,
                              std::vector<std::string>& notes);

    MicroAst net_{nullptr};
    torch::Device device_{torch::kCPU};
    Precision precision_ = Precision::Fp32;
    bool emulated_bf16_ = false;
    std::map<std::string, MicroAstStyleCode> cache_;
    MicroAstStyleCode code_;
    double strength_ = 1.0;
};

}  // namespace stylecam
