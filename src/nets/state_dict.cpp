#include "nets/state_dict.h"

#include "core/error.h"

#include <regex>
#include <sstream>

namespace stylecam {

std::string shape_string(at::IntArrayRef shape) {
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << ']';
    return out.str();
}

std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module) {
    std::map<std::string, torch::Tensor> result;
    for (const auto& item : module.named_parameters()) result[item.key()] = item.value().detach();
    for (const auto& item : module.named_buffers()) result[item.key()] = item.value().detach();
    return result;
}

void load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors,
                     const std::string& file, const std::string& ignored_pattern) {
    std::map<std::string, torch::Tensor> targets;
    for (const auto& item : module.named_parameters()) targets[item.key()] = item.value();
    for (const auto& item : module.named_buffers()) targets[item.key()] = item.value();

    const std::regex ignored(ignored_pattern.empty() ? "$^" : ignored_pattern);
    for (const auto& [name, tensor] : tensors) {
        if (targets.count(name) == 0 && !std::regex_match(name, ignored))
            STYLECAM_FAIL(file, ": unexpected tensor '", name,
                          "' (not part of this network: wrong architecture or options?)");
    }
    torch::NoGradGuard no_grad;
    for (auto& [name, target] : targets) {
        const auto found = tensors.find(name);
        STYLECAM_CHECK(found != tensors.end(), file, ": missing tensor '", name, "' of shape ",
                       shape_string(target.sizes()));
        STYLECAM_CHECK(found->second.sizes() == target.sizes(), file, ": tensor '", name,
                       "' has shape ", shape_string(found->second.sizes()), ", expected ",
                       shape_string(target.sizes()));
        STYLECAM_CHECK(found->second.is_floating_point(), file, ": tensor '", name,
                       "' is not floating point");
        auto value = found->second.to(target.device(), target.scalar_type());
        STYLECAM_CHECK(torch::isfinite(value).all().item<bool>(), file, ": tensor '", name,
                       "' holds NaN or infinite values");
        target.copy_(value);
    }
}

}  // namespace stylecam
