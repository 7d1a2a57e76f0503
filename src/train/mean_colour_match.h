#pragma once
/// Matching a student's mean output colour to its teacher's over whole pictures: the last step of
/// a distillation (`stylecam distill --match-mean-colour`). A student trained on crops can come out
/// a few levels brighter or darker on whole frames, whose instance-norm statistics differ from a
/// crop's, while a teacher's mean output colour hardly depends on the photo; the difference of the
/// means is then a constant that one bias fold removes without touching strokes or contrast.

#include "nets/transformer_net.h"

#include <opencv2/core.hpp>

#include <array>
#include <functional>
#include <vector>

namespace stylecam {

/// Mean of `targets` minus the mean of `net`'s outputs for `pictures`, per colour (R, G, B in
/// 0..255 units), over every pixel of every picture (each picture weighs by its area). Pictures
/// and targets: CV_8UC3 BGR, pairwise of equal size; each is centre-cropped to the net's size
/// multiple (pictures smaller than its minimum side are skipped; throws `Error` when none is
/// left). The net runs in fp32 on `device` in eval mode, one picture at a time, its output
/// clamped to 0..255 and rounded as a delivered frame is. `on_picture(done, total)`, if given, is
/// called after each picture (progress). Runs on the calling thread.
std::array<double, 3> mean_colour_offset(TransformerNet& net, const std::vector<cv::Mat>& pictures,
                                         const std::vector<cv::Mat>& targets, torch::Device device,
                                         const std::function<void(int, int)>& on_picture = {});

}  // namespace stylecam
