#include "nets/vgg19_features.h"

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/text.h"
#include "nets/state_dict.h"

#include <regex>
#include <sstream>

namespace stylecam {
namespace {

// Convolutions per block in VGG19, and the torchvision `features` index of each convolution.
constexpr int kConvsPerBlock[] = {2, 2, 4, 4, 4};
constexpr int kFeatureIndex[] = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};
constexpr int kChannels[] = {64,  64,  128, 128, 256, 256, 256, 256,
                             512, 512, 512, 512, 512, 512, 512, 512};

std::string conv_name(int index) {
    int block = 0;
    while (index >= kConvsPerBlock[block]) index -= kConvsPerBlock[block++];
    return "conv" + std::to_string(block + 1) + "_" + std::to_string(index + 1);
}

bool is_last_of_block(int index) {
    int end = 0;
    for (int count : kConvsPerBlock) {
        end += count;
        if (index == end - 1) return true;
    }
    return false;
}

std::vector<double> parse_numbers(const std::string& text, const std::string& key,
                                  const std::string& file) {
    const std::string problem =
        file + ": metadata '" + key + "' must hold 3 numbers, got '" + text + "'";
    std::vector<double> values;
    for (const auto& part : split(text, ',')) values.push_back(parse_number(part, problem));
    STYLECAM_CHECK(values.size() == 3, problem);
    return values;
}

}  // namespace

int vgg_feature_index(int conv_index) { return kFeatureIndex[conv_index]; }

VggInputConvention vgg_convention_from(const Metadata& metadata, const std::string& file) {
    for (const char* key : {"input_color_order", "input_range", "input_mean", "input_std"})
        STYLECAM_CHECK(metadata.count(key), file, ": VGG weights without '", key,
                       "' metadata: the input convention (Caffe BGR 0-255 or torchvision RGB "
                       "0-1) must be declared, see the README");
    VggInputConvention convention;
    const auto& order = metadata.at("input_color_order");
    STYLECAM_CHECK(order == "RGB" || order == "BGR", file,
                   ": input_color_order must be RGB or BGR, got '", order, "'");
    convention.bgr = order == "BGR";
    const auto& range = metadata.at("input_range");
    STYLECAM_CHECK(range == "0-1" || range == "0-255", file,
                   ": input_range must be 0-1 or 0-255, got '", range, "'");
    convention.range = range == "0-255" ? 255.0 : 1.0;
    convention.mean = parse_numbers(metadata.at("input_mean"), "input_mean", file);
    convention.std = parse_numbers(metadata.at("input_std"), "input_std", file);
    for (double s : convention.std) STYLECAM_CHECK(s > 0, file, ": input_std must be positive");
    return convention;
}

VggLayer parse_vgg_layer(const std::string& name) {
    static const std::regex pattern(R"((relu|conv)([1-5])_([1-4]))");
    std::smatch match;
    STYLECAM_CHECK(std::regex_match(name, match, pattern), "unknown VGG19 layer '", name,
                   "' (expected reluX_Y or convX_Y, e.g. relu2_2)");
    VggLayer layer;
    layer.name = name;
    layer.relu = match[1] == "relu";
    layer.block = std::stoi(match[2]);
    layer.conv = std::stoi(match[3]);
    STYLECAM_CHECK(layer.conv <= kConvsPerBlock[layer.block - 1], "unknown VGG19 layer '", name,
                   "' (block ", layer.block, " has ", kConvsPerBlock[layer.block - 1],
                   " convolutions)");
    layer.index = layer.conv - 1;
    for (int b = 0; b < layer.block - 1; ++b) layer.index += kConvsPerBlock[b];
    return layer;
}

Vgg19FeaturesImpl::Vgg19FeaturesImpl(const std::string& file)
    : Vgg19FeaturesImpl(read_safetensors(file), file) {}

Vgg19FeaturesImpl::Vgg19FeaturesImpl(const SafeTensors& contents, const std::string& file)
    : file_(file) {
    if (contents.metadata.count("architecture"))
        STYLECAM_CHECK(contents.metadata.at("architecture") == "vgg19", file, ": architecture '",
                       contents.metadata.at("architecture"), "' is not vgg19");
    convention_ = vgg_convention_from(contents.metadata, file);
    build(contents);
}

void Vgg19FeaturesImpl::build(const SafeTensors& contents) {
    int count = 0;
    while (count < 16 &&
           contents.tensors.count("features." + std::to_string(kFeatureIndex[count]) + ".weight"))
        ++count;
    STYLECAM_CHECK(count > 0, file_,
                   ": no VGG19 convolution found (expected tensors named "
                   "features.0.weight, features.2.weight, ...)");
    for (const auto& [name, tensor] : contents.tensors) {
        bool known = false;
        for (int i = 0; i < count; ++i) {
            const std::string prefix = "features." + std::to_string(kFeatureIndex[i]) + ".";
            known |= name == prefix + "weight" || name == prefix + "bias";
        }
        STYLECAM_CHECK(
            known, file_, ": unexpected tensor '", name,
            "' (VGG19 convolutions must be a contiguous prefix: features.0, .2, .5, ...)");
    }
    auto features = std::make_shared<torch::nn::Module>();
    for (int i = 0; i < count; ++i) {
        const int in = i == 0 ? 3 : kChannels[i - 1];
        auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(in, kChannels[i], 3).padding(1));
        features->register_module(std::to_string(kFeatureIndex[i]), conv);
        convs_.push_back(conv);
    }
    register_module("features", features);
    load_state_dict(*this, contents.tensors, file_);
    for (auto& parameter : parameters()) parameter.set_requires_grad(false);

    const auto order = [&](const std::vector<double>& values) {
        // mean/std are given in the weights' channel order; keep them that way.
        return torch::tensor({values[0], values[1], values[2]}, torch::kFloat32).view({1, 3, 1, 1});
    };
    mean_ = register_buffer("input_mean", order(convention_.mean));
    std_ = register_buffer("input_std", order(convention_.std));
    eval();
}

std::string Vgg19FeaturesImpl::deepest_conv() const { return conv_name(conv_count() - 1); }

torch::Tensor Vgg19FeaturesImpl::preprocess(const torch::Tensor& rgb01) const {
    auto x = rgb01 * convention_.range;
    if (convention_.bgr) x = x.flip({1});
    return (x - mean_) / std_;
}

void Vgg19FeaturesImpl::set_precision(Precision precision) {
    STYLECAM_CHECK(precision == Precision::Fp32 || precision == Precision::Bf16,
                   "VGG19: precision must be resolved to fp32 or bf16, got ", to_string(precision));
    precision_ = precision;
}

std::map<std::string, torch::Tensor> Vgg19FeaturesImpl::forward(
    const torch::Tensor& rgb01, const std::vector<std::string>& layers) {
    STYLECAM_CHECK(rgb01.dim() == 4 && rgb01.size(1) == 3, "VGG19: expected N×3×H×W input, got ",
                   rgb01.sizes());
    std::vector<VggLayer> wanted;
    int deepest = -1;
    for (const auto& name : layers) {
        wanted.push_back(parse_vgg_layer(name));
        STYLECAM_CHECK(wanted.back().index < conv_count(), "layer ", name, " needs ",
                       conv_name(wanted.back().index), ", but ", file_, " stops at ",
                       deepest_conv());
        deepest = std::max(deepest, wanted.back().index);
    }
    std::map<std::string, torch::Tensor> outputs;
    const bool bf16 = precision_ == Precision::Bf16 && rgb01.is_cpu();
    const CpuAutocast autocast(bf16);
    const auto keep = [bf16](const torch::Tensor& t) { return bf16 ? t.to(torch::kFloat) : t; };
    auto x = preprocess(rgb01);
    for (int i = 0; i <= deepest; ++i) {
        x = convs_[static_cast<size_t>(i)]->forward(x);
        for (const auto& layer : wanted)
            if (layer.index == i && !layer.relu) outputs[layer.name] = keep(x);
        x = torch::relu(x);
        for (const auto& layer : wanted)
            if (layer.index == i && layer.relu) outputs[layer.name] = keep(x);
        if (is_last_of_block(i) && i < deepest) x = torch::max_pool2d(x, 2, 2);
    }
    return outputs;
}

Precision resolve_loss_precision(Precision precision, const torch::Device& device) {
    STYLECAM_CHECK(precision != Precision::Fp16,
                   "--precision fp16 is not offered for the VGG19 loss network; use auto, bf16 or "
                   "fp32");
    const bool native = device.is_cpu() && cpu_has_native_bf16();
    return (precision == Precision::Auto || precision == Precision::Bf16) && native
               ? Precision::Bf16
               : Precision::Fp32;
}

std::string loss_precision_warning(Precision precision, const torch::Device& device) {
    if (precision != Precision::Bf16 ||
        resolve_loss_precision(precision, device) == Precision::Bf16)
        return "";
    if (device.is_cpu())
        return "bf16 is not native on this CPU (" + to_string(cpu_features().cpu_class) +
               "): the VGG19 loss network runs in fp32 (emulated bf16 would be 10-40x slower)";
    return "the VGG19 loss network runs in fp32 on " + device.str() +
           " (its bf16 applies on the CPU)";
}

}  // namespace stylecam
