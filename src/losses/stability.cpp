#include "losses/stability.h"

#include "core/error.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace stylecam {
namespace {

constexpr int64_t kMargin = 8;  ///< pixels along the border that never count

torch::Tensor border_mask(int64_t batch, int64_t height, int64_t width) {
    auto mask = torch::zeros({batch, 1, height, width});
    if (height > 2 * kMargin && width > 2 * kMargin)
        mask.narrow(2, kMargin, height - 2 * kMargin)
            .narrow(3, kMargin, width - 2 * kMargin)
            .fill_(1);
    return mask;
}

torch::Tensor sparse_noise(const torch::Tensor& input, double rate, at::Generator& generator) {
    const auto shape = input.sizes();
    const auto hit = at::rand({shape[0], 1, shape[2], shape[3]}, generator, torch::kFloat).lt(rate);
    const auto noise = at::randn(shape, generator, torch::kFloat) * 25.0;
    return (input.to(torch::kFloat).cpu() + noise * hit).clamp(0, 255);
}

}  // namespace

Perturbation noise_perturbation(const torch::Tensor& input, uint64_t seed) {
    STYLECAM_CHECK(input.dim() == 4 && input.size(1) == 3,
                   "noise_perturbation: expected B×3×H×W, got ", input.sizes());
    auto generator = at::detail::createCPUGenerator(seed);
    Perturbation result;
    result.input = sparse_noise(input, 0.1, generator).to(input.device());
    result.mask = border_mask(input.size(0), input.size(2), input.size(3)).to(input.device());
    return result;
}

Perturbation grain_perturbation(const torch::Tensor& input, uint64_t seed) {
    STYLECAM_CHECK(input.dim() == 4 && input.size(1) == 3,
                   "grain_perturbation: expected B×3×H×W, got ", input.sizes());
    auto generator = at::detail::createCPUGenerator(seed);
    const int64_t b = input.size(0), h = input.size(2), w = input.size(3);
    constexpr int64_t kCell = 8;
    const auto coarse = at::randn({b, 3, (h + kCell - 1) / kCell + 1, (w + kCell - 1) / kCell + 1},
                                  generator, torch::kFloat) *
                        3.0;
    namespace F = torch::nn::functional;
    const auto smooth = F::interpolate(coarse, F::InterpolateFuncOptions()
                                                   .size(std::vector<int64_t>{h, w})
                                                   .mode(torch::kBilinear)
                                                   .align_corners(false));
    const auto fine = at::randn({b, 3, h, w}, generator, torch::kFloat) * 2.0;
    Perturbation result;
    result.input = (input.to(torch::kFloat).cpu() + smooth + fine).clamp(0, 255).to(input.device());
    result.mask = border_mask(b, h, w).to(input.device());
    return result;
}

Perturbation motion_perturbation(const torch::Tensor& input, uint64_t seed) {
    STYLECAM_CHECK(input.dim() == 4 && input.size(1) == 3,
                   "motion_perturbation: expected B×3×H×W, got ", input.sizes());
    auto generator = at::detail::createCPUGenerator(seed);
    const int64_t b = input.size(0), h = input.size(2), w = input.size(3);
    // Per item: shift (px), rotation (rad), zoom; uniform in their ranges.
    const auto u = at::rand({b, 4}, generator, torch::kDouble) * 2 - 1;
    auto theta = torch::zeros({b, 2, 3}, torch::kDouble);
    for (int64_t i = 0; i < b; ++i) {
        const double dx = 4 * u[i][0].item<double>(), dy = 4 * u[i][1].item<double>();
        const double angle = 1.5 * M_PI / 180 * u[i][2].item<double>();
        const double zoom = 1 + 0.03 * u[i][3].item<double>();
        // Output pixel p samples the input at A·p + t, in normalised coordinates ([-1, 1]);
        // the aspect ratio enters the rotation through the pixel sizes 2/w and 2/h.
        const double c = std::cos(angle) / zoom, s = std::sin(angle) / zoom;
        theta[i][0][0] = c;
        theta[i][0][1] = -s * static_cast<double>(h) / static_cast<double>(w);
        theta[i][0][2] = 2 * dx / static_cast<double>(w);
        theta[i][1][0] = s * static_cast<double>(w) / static_cast<double>(h);
        theta[i][1][1] = c;
        theta[i][1][2] = 2 * dy / static_cast<double>(h);
    }
    Perturbation result;
    result.grid = torch::nn::functional::affine_grid(theta.to(torch::kFloat), {b, 3, h, w},
                                                     /*align_corners=*/false);
    const auto inside = apply_motion(result, torch::ones({b, 1, h, w})).gt(0.999).to(torch::kFloat);
    result.mask = inside * border_mask(b, h, w);
    const auto moved = apply_motion(result, input.to(torch::kFloat).cpu());
    result.input = sparse_noise(moved, 0.025, generator).to(input.device());
    result.grid = result.grid.to(input.device());
    result.mask = result.mask.to(input.device());
    return result;
}

Perturbation object_motion_perturbation(const torch::Tensor& input, uint64_t seed) {
    STYLECAM_CHECK(input.dim() == 4 && input.size(1) == 3,
                   "object_motion_perturbation: expected B×3×H×W, got ", input.sizes());
    auto generator = at::detail::createCPUGenerator(seed);
    const int64_t b = input.size(0), h = input.size(2), w = input.size(3);
    constexpr double kBand = 8;  ///< pixels on each side of the object's edge that never count
    // Per item: semi-axes, centre, shift; uniform in [0, 1), scaled below.
    const auto u = at::rand({b, 6}, generator, torch::kDouble);
    const auto xs = torch::arange(w, torch::kFloat).view({1, w}).expand({h, w});
    const auto ys = torch::arange(h, torch::kFloat).view({h, 1}).expand({h, w});
    std::vector<torch::Tensor> grids, away;
    for (int64_t i = 0; i < b; ++i) {
        const auto draw = [&](int k) { return u[i][k].item<double>(); };
        const double ax = w * (0.10 + 0.15 * draw(0)), ay = h * (0.10 + 0.15 * draw(1));
        const double cx = w * draw(2), cy = h * draw(3);
        const double dx = 6 * (2 * draw(4) - 1), dy = 6 * (2 * draw(5) - 1);
        // r < 1 inside the ellipse where the object now is; |r − 1|·min(ax, ay) is at most the
        // distance to its edge, so the band it cuts out is at least kBand wide.
        const auto r = (((xs - cx) / ax).pow(2) + ((ys - cy) / ay).pow(2)).sqrt();
        const auto object = r.lt(1).to(torch::kFloat);
        // Output pixel (x, y) samples the input at (x, y) − d inside the object, in normalised
        // coordinates (pixel centres at (2x + 1)/w − 1, align_corners false).
        const auto source_x = (xs - dx * object) * (2.0 / w) + (1.0 / w - 1);
        const auto source_y = (ys - dy * object) * (2.0 / h) + (1.0 / h - 1);
        grids.push_back(torch::stack({source_x, source_y}, 2).unsqueeze(0));
        const auto far_from_edge = (r - 1).abs() * std::min(ax, ay) >= kBand;
        away.push_back(far_from_edge.to(torch::kFloat).view({1, 1, h, w}));
    }
    Perturbation result;
    result.grid = torch::cat(grids);
    const auto inside = apply_motion(result, torch::ones({b, 1, h, w})).gt(0.999).to(torch::kFloat);
    result.mask = inside * border_mask(b, h, w) * torch::cat(away);
    const auto moved = apply_motion(result, input.to(torch::kFloat).cpu());
    result.input = sparse_noise(moved, 0.025, generator).to(input.device());
    result.grid = result.grid.to(input.device());
    result.mask = result.mask.to(input.device());
    return result;
}

torch::Tensor apply_motion(const Perturbation& perturbation, const torch::Tensor& images) {
    if (!perturbation.grid.defined()) return images;
    namespace F = torch::nn::functional;
    return F::grid_sample(images, perturbation.grid.to(images.device(), images.scalar_type()),
                          F::GridSampleFuncOptions()
                              .mode(torch::kBilinear)
                              .padding_mode(torch::kZeros)
                              .align_corners(false));
}

torch::Tensor stability_loss(const torch::Tensor& clean_output,
                             const torch::Tensor& perturbed_output,
                             const Perturbation& perturbation) {
    STYLECAM_CHECK(clean_output.sizes() == perturbed_output.sizes(),
                   "stability_loss: output sizes differ, ", clean_output.sizes(), " and ",
                   perturbed_output.sizes());
    const auto expected = apply_motion(perturbation, clean_output);
    const auto difference = (perturbed_output - expected) / 255.0;
    const auto& mask = perturbation.mask;
    return (difference.pow(2) * mask).sum() / (mask.sum() * 3).clamp_min(1);
}

}  // namespace stylecam
