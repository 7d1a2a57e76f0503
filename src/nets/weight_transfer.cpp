#include "nets/weight_transfer.h"

#include <algorithm>
#include <regex>
#include <set>

namespace stylecam {
namespace {

/// `source` (O×I×k×k) centred in a K×K kernel: cropped when k > K, zero-padded when k < K.
torch::Tensor recentre_kernel(const torch::Tensor& source, int64_t size) {
    const int64_t k = source.size(2);
    if (k > size) return source.narrow(2, (k - size) / 2, size).narrow(3, (k - size) / 2, size);
    auto out = torch::zeros({source.size(0), source.size(1), size, size}, source.options());
    out.narrow(2, (size - k) / 2, k).narrow(3, (size - k) / 2, k).copy_(source);
    return out;
}

/// Whether `target` can hold `source` as its leading slice: the same rank, no dimension smaller,
/// only channel dimensions (the first two) larger.
bool holds_as_leading_slice(const torch::Tensor& source, const torch::Tensor& target) {
    if (source.dim() != target.dim() || source.sizes() == target.sizes()) return false;
    for (int64_t d = 0; d < source.dim(); ++d) {
        if (source.size(d) > target.size(d)) return false;
        if (d >= 2 && source.size(d) != target.size(d)) return false;
    }
    return true;
}

/// `source` into the leading slice of `target`; a weight's (rank ≥ 2) inputs beyond the
/// source's are zeroed, so that what reads only the old channels is unchanged.
void widen_into(const torch::Tensor& source, torch::Tensor& target) {
    auto leading = target;
    for (int64_t d = 0; d < std::min<int64_t>(source.dim(), 2); ++d)
        leading = leading.narrow(d, 0, source.size(d));
    leading.copy_(source);
    if (target.dim() >= 2 && target.size(1) > source.size(1))
        target.narrow(1, source.size(1), target.size(1) - source.size(1)).zero_();
}

}  // namespace

std::string WeightTransfer::summary() const {
    return std::to_string(copied) + " tensors copied, " + std::to_string(cropped) +
           " kernels recentred, " + std::to_string(widened) + " widened, " + std::to_string(fresh) +
           " new, " + std::to_string(identity_blocks) + " residual blocks start as the identity";
}

WeightTransfer transfer_weights(TransformerNet& from, TransformerNet& to) {
    torch::NoGradGuard no_grad;
    WeightTransfer report;
    const auto source = from->named_parameters();
    const std::regex block(R"((res\d+)\..*)");
    std::set<std::string> incomplete_blocks;
    for (auto& item : to->named_parameters()) {
        auto& target = item.value();
        const auto* found = source.find(item.key());
        bool done = false;
        if (found != nullptr && found->sizes() == target.sizes()) {
            target.copy_(*found);
            ++report.copied;
            done = true;
        } else if (found != nullptr && found->dim() == 4 && target.dim() == 4 &&
                   found->size(0) == target.size(0) && found->size(1) == target.size(1) &&
                   found->size(2) % 2 == 1 && target.size(2) % 2 == 1 &&
                   found->size(2) == found->size(3) && target.size(2) == target.size(3)) {
            target.copy_(recentre_kernel(*found, target.size(2)));
            ++report.cropped;
            done = true;
        } else if (found != nullptr && holds_as_leading_slice(*found, target)) {
            widen_into(*found, target);
            ++report.widened;
            done = true;
        } else {
            ++report.fresh;
        }
        std::smatch match;
        if (!done && std::regex_match(item.key(), match, block))
            incomplete_blocks.insert(match[1].str());
    }
    const auto params = to->named_parameters();
    for (const auto& name : incomplete_blocks) {
        params[name + ".in2.weight"].zero_();
        params[name + ".in2.bias"].zero_();
        ++report.identity_blocks;
    }
    return report;
}

}  // namespace stylecam
