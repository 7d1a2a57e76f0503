#include "optimize/gatys_optimizer.h"

#include "core/error.h"
#include "core/text.h"
#include "image/color.h"
#include "image/tensor_image.h"

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

namespace stylecam {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> names_of(const std::vector<LayerWeight>& layers) {
    std::vector<std::string> names;
    for (const auto& layer : layers) names.push_back(layer.layer);
    return names;
}

torch::Tensor to_unit_tensor(const cv::Mat& bgr8, const torch::Device& device) {
    return (image_to_tensor(bgr8) / 255.0).to(device);
}

cv::Mat to_image(const torch::Tensor& unit) {
    return tensor_to_image(unit.detach().clamp(0, 1) * 255.0);
}

}  // namespace

std::vector<LayerWeight> parse_layer_list(const std::string& text) {
    std::vector<LayerWeight> layers;
    for (const auto& item : split(text, ',')) {
        LayerWeight layer;
        const auto colon = item.find(':');
        layer.layer = item.substr(0, colon);
        if (colon != std::string::npos) {
            const std::string weight = item.substr(colon + 1);
            layer.weight = parse_number(
                weight, "layer '" + layer.layer + "': weight '" + weight + "' is not a number");
            STYLECAM_CHECK(layer.weight >= 0, "layer '", layer.layer, "': weight must be ≥ 0");
        }
        parse_vgg_layer(layer.layer);  // validates the name
        layers.push_back(layer);
    }
    STYLECAM_CHECK(!layers.empty(), "empty layer list '", text, "'");
    return layers;
}

std::string to_string(const std::vector<LayerWeight>& layers) {
    std::ostringstream text;
    for (size_t i = 0; i < layers.size(); ++i) {
        text << (i ? "," : "") << layers[i].layer;
        if (layers[i].weight != 1.0) text << ':' << layers[i].weight;
    }
    return text.str();
}

DefaultLayers default_layers(const Vgg19Features& vgg) {
    if (vgg->conv_count() >= 13)  // conv5_1 and deeper: Gatys et al.
        return {{{"relu4_2"}}, {{"relu1_1"}, {"relu2_1"}, {"relu3_1"}, {"relu4_1"}, {"relu5_1"}}};
    if (vgg->conv_count() >= 5) return {{{"relu2_2"}}, {{"relu1_1"}, {"relu2_1"}, {"relu3_1"}}};
    STYLECAM_FAIL(vgg->file(), ": VGG19 weights stop at ", vgg->deepest_conv(),
                  "; style transfer needs at least conv3_1");
}

OptimizerKind parse_optimizer(const std::string& text) {
    if (text == "lbfgs") return OptimizerKind::Lbfgs;
    if (text == "adam") return OptimizerKind::Adam;
    STYLECAM_FAIL("--optimizer: unknown optimizer '", text, "' (expected lbfgs or adam)");
}

InitKind parse_init(const std::string& text) {
    if (text == "content") return InitKind::Content;
    if (text == "noise") return InitKind::Noise;
    if (text == "style") return InitKind::Style;
    STYLECAM_FAIL("--init: unknown init '", text, "' (expected content, noise or style)");
}

void validate(const GatysOptions& options) {
    STYLECAM_CHECK(!options.scales.empty(), "--scales: at least one size");
    for (int scale : options.scales)
        STYLECAM_CHECK(scale >= 16 && scale <= 8192, "--size/--scales must be in 16..8192 px, got ",
                       scale);
    STYLECAM_CHECK(
        options.style_size == 0 || (options.style_size >= 16 && options.style_size <= 8192),
        "--style-size must be in 16..8192 px, got ", options.style_size);
    STYLECAM_CHECK(options.iterations >= 0, "--iterations must be ≥ 0, got ", options.iterations);
    STYLECAM_CHECK(options.learning_rate > 0, "--lr must be positive, got ", options.learning_rate);
    STYLECAM_CHECK(
        options.weights.content >= 0 && options.weights.style >= 0 && options.weights.tv >= 0,
        "loss weights must be ≥ 0");
}

cv::Mat resize_longer_side(const cv::Mat& image, int longer_side) {
    const int longer = std::max(image.cols, image.rows);
    if (longer == longer_side) return image;
    const double factor = static_cast<double>(longer_side) / longer;
    const cv::Size size(std::max(1, static_cast<int>(std::lround(image.cols * factor))),
                        std::max(1, static_cast<int>(std::lround(image.rows * factor))));
    cv::Mat resized;
    cv::resize(image, resized, size, 0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    return resized;
}

GatysOptimizer::GatysOptimizer(Vgg19Features vgg, GatysOptions options, torch::Device device)
    : vgg_(std::move(vgg)), options_(std::move(options)), device_(device) {
    validate(options_);
    const auto defaults = default_layers(vgg_);
    if (options_.content_layers.empty()) options_.content_layers = defaults.content;
    if (options_.style_layers.empty()) options_.style_layers = defaults.style;
    // Fail now, not mid-run, on a layer deeper than the weights.
    for (const auto& list : {options_.content_layers, options_.style_layers})
        for (const auto& layer : list)
            STYLECAM_CHECK(parse_vgg_layer(layer.layer).index < vgg_->conv_count(), "layer ",
                           layer.layer, " is deeper than ", vgg_->file(), " provides (it stops at ",
                           vgg_->deepest_conv(), ")");
    vgg_->to(device_);
    vgg_->set_precision(resolve_loss_precision(options_.precision, device_));
}

GatysResult GatysOptimizer::run(const cv::Mat& content, const cv::Mat& style,
                                const GatysCallbacks& callbacks) {
    STYLECAM_CHECK(content.type() == CV_8UC3 && style.type() == CV_8UC3,
                   "optimize: content and style must be 8-bit BGR images");
    const auto started = Clock::now();
    torch::manual_seed(options_.seed);
    const auto content_names = names_of(options_.content_layers);
    const auto style_names = names_of(options_.style_layers);
    std::vector<std::string> all_names = content_names;
    all_names.insert(all_names.end(), style_names.begin(), style_names.end());
    std::map<std::string, double> style_weights;
    for (const auto& layer : options_.style_layers) style_weights[layer.layer] = layer.weight;
    std::map<std::string, double> content_weights;
    for (const auto& layer : options_.content_layers) content_weights[layer.layer] = layer.weight;

    GatysResult result;
    torch::Tensor previous;  // last pass's result (1×3×h×w, 0..1)
    for (size_t pass = 0; pass < options_.scales.size() && !result.stopped; ++pass) {
        const int scale = options_.scales[pass];
        const cv::Mat content_image = resize_longer_side(content, scale);
        const cv::Mat style_image =
            resize_longer_side(style, options_.style_size > 0 ? options_.style_size : scale);
        const auto content_tensor = to_unit_tensor(content_image, device_);

        // Targets, once per pass.
        std::map<std::string, torch::Tensor> content_targets, style_targets;
        {
            torch::NoGradGuard no_grad;
            auto features = vgg_->forward(content_tensor, content_names);
            for (const auto& name : content_names)
                content_targets[name] = features.at(name).detach();
            features = vgg_->forward(to_unit_tensor(style_image, device_), style_names);
            for (const auto& name : style_names)
                style_targets[name] = gram_matrix(features.at(name)).detach();
        }

        torch::Tensor x;
        if (previous.defined()) {
            x = torch::upsample_bicubic2d(previous,
                                          {content_tensor.size(2), content_tensor.size(3)}, false)
                    .clamp(0, 1);
        } else if (options_.init == InitKind::Noise) {
            x = torch::rand_like(content_tensor);
        } else if (options_.init == InitKind::Style) {
            cv::Mat fitted;
            cv::resize(style, fitted, content_image.size(), 0, 0, cv::INTER_AREA);
            x = to_unit_tensor(fitted, device_);
        } else {
            x = content_tensor.clone();
        }
        x = x.detach().requires_grad_(true);

        const auto evaluate = [&] {
            auto features = vgg_->forward(x, all_names);
            torch::Tensor content_term;
            for (const auto& name : content_names) {
                auto term =
                    content_weights[name] *
                    content_loss({{name, features.at(name)}}, {{name, content_targets.at(name)}});
                content_term = content_term.defined() ? content_term + term : term;
            }
            return combine_losses(content_term, style_loss(features, style_targets, style_weights),
                                  tv_loss(x), options_.weights);
        };

        int iteration = 0;
        double best_total = std::numeric_limits<double>::infinity();
        cv::Mat best_image;
        double iteration_seconds = 0;
        const auto report = [&](const LossTerms& terms) {
            IterationReport entry;
            entry.iteration = iteration;
            entry.scale = scale;
            entry.content = terms.content.item<double>();
            entry.style = terms.style.item<double>();
            entry.tv = terms.tv.item<double>();
            entry.total = terms.total.item<double>();
            entry.seconds = iteration_seconds;
            if (std::isfinite(entry.total) && entry.total < best_total) {
                best_total = entry.total;
                best_image = to_image(x);
            }
            result.history.push_back(entry);
            if (callbacks.on_report) callbacks.on_report(entry);
            if (callbacks.on_image && callbacks.image_every > 0 && iteration > 0 &&
                iteration % callbacks.image_every == 0)
                callbacks.on_image(iteration, to_image(x));
        };

        // Each optimizer step evaluates the loss at the current iterate first: that evaluation
        // is the report for the iterate (no extra forward pass). L-BFGS's line search has
        // usually just evaluated that very point (its accepted step), so an evaluation at the
        // point of the previous one returns the previous loss and gradient instead of computing
        // them again: half the VGG19 passes, and the same iterates bit for bit.
        struct Evaluation {
            torch::Tensor point, gradient;
            LossTerms terms;
        };
        std::optional<Evaluation> last;
        bool report_next = true;
        auto closure = [&]() -> torch::Tensor {
            LossTerms terms;
            if (last && torch::equal(last->point, x.detach())) {
                x.mutable_grad() = last->gradient.clone();
                terms = last->terms;
            } else {
                if (x.grad().defined()) x.mutable_grad().zero_();
                const auto evaluated = evaluate();
                evaluated.total.backward();
                terms = {evaluated.content.detach(), evaluated.style.detach(),
                         evaluated.tv.detach(), evaluated.total.detach()};
                last = Evaluation{x.detach().clone(), x.grad().clone(), terms};
            }
            if (report_next) {
                report_next = false;
                torch::NoGradGuard no_grad;
                report(terms);
            }
            return terms.total;
        };

        std::unique_ptr<torch::optim::Optimizer> optimizer;
        if (options_.optimizer == OptimizerKind::Lbfgs) {
            optimizer = std::make_unique<torch::optim::LBFGS>(std::vector<torch::Tensor>{x},
                                                              torch::optim::LBFGSOptions(1.0)
                                                                  .max_iter(1)
                                                                  .history_size(100)
                                                                  .tolerance_grad(0)
                                                                  .tolerance_change(0)
                                                                  .line_search_fn("strong_wolfe"));
        } else {
            optimizer = std::make_unique<torch::optim::Adam>(
                std::vector<torch::Tensor>{x}, torch::optim::AdamOptions(options_.learning_rate));
        }

        for (int step = 0; step < options_.iterations; ++step) {
            if (callbacks.stop && callbacks.stop->load()) {
                result.stopped = true;
                break;
            }
            const auto step_start = Clock::now();
            report_next = true;
            optimizer->step(closure);
            iteration_seconds = std::chrono::duration<double>(Clock::now() - step_start).count();
            ++iteration;
        }
        {
            // The final iterate: the loop reports each iterate only when it steps from it.
            torch::NoGradGuard no_grad;
            report(evaluate());
        }
        previous = x.detach();
        result.image = best_image;
    }
    if (options_.preserve_colors) {
        cv::Mat content_at_size;
        cv::resize(content, content_at_size, result.image.size(), 0, 0, cv::INTER_AREA);
        result.image = preserve_colors(result.image, content_at_size);
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

}  // namespace stylecam
