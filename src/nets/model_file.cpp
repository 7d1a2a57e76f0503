#include "nets/model_file.h"

#include "core/error.h"
#include "nets/state_dict.h"

#include <regex>

namespace stylecam {
namespace {

int64_t metadata_int(const Metadata& metadata, const std::string& key, const std::string& file) {
    const auto& text = metadata.at(key);
    try {
        size_t used = 0;
        const int64_t value = std::stoll(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    STYLECAM_FAIL(file, ": metadata '", key, "' is not an integer: '", text, "'");
}

}  // namespace

TransformerNetOptions transformer_options_from(const SafeTensorsHeader& header,
                                               const std::string& file) {
    const auto& metadata = header.metadata;
    if (metadata.count("architecture"))
        STYLECAM_CHECK(metadata.at("architecture") == kJohnsonArchitecture, file,
                       ": architecture '", metadata.at("architecture"),
                       "' is not a transformer net (expected '", kJohnsonArchitecture, "')");
    const auto conv1 = header.tensors.find("conv1.conv2d.weight");
    STYLECAM_CHECK(conv1 != header.tensors.end() && conv1->second.shape.size() == 4, file,
                   ": missing tensor 'conv1.conv2d.weight' (not a fast_neural_style "
                   "TransformerNet model)");
    int64_t blocks = 0;
    const std::regex residual(R"(res(\d+)\..*)");
    for (const auto& [name, info] : header.tensors) {
        std::smatch match;
        if (std::regex_match(name, match, residual))
            blocks = std::max<int64_t>(blocks, std::stoll(match[1].str()));
    }
    // conv1 takes 3·s² channels behind a pixel shuffle of s.
    const int64_t in_channels = conv1->second.shape[1];
    int64_t shuffle = 1;
    while (shuffle < 4 && 3 * shuffle * shuffle < in_channels) ++shuffle;
    STYLECAM_CHECK(3 * shuffle * shuffle == in_channels, file, ": conv1 takes ", in_channels,
                   " channels (expected 3, 12, 27 or 48)");
    // Separable residual blocks: res1's first convolution is depthwise (one input channel each).
    const auto res1 = header.tensors.find("res1.conv1.conv2d.weight");
    const bool separable = res1 != header.tensors.end() && res1->second.shape.size() == 4 &&
                           res1->second.shape[1] == 1 && res1->second.shape[0] > 1;
    TransformerNetOptions options;
    options.channels(conv1->second.shape[0])
        .residual_blocks(blocks)
        .outer_kernel(conv1->second.shape[2])
        .pixel_shuffle(shuffle)
        .separable_residuals(separable);
    if (metadata.count("channels"))
        STYLECAM_CHECK(metadata_int(metadata, "channels", file) == options.channels(), file,
                       ": metadata says ", metadata.at("channels"), " channels but conv1 has ",
                       options.channels());
    if (metadata.count("residual_blocks"))
        STYLECAM_CHECK(metadata_int(metadata, "residual_blocks", file) == blocks, file,
                       ": metadata says ", metadata.at("residual_blocks"),
                       " residual blocks but the file holds ", blocks);
    return options;
}

LoadedTransformerNet transformer_net_from(const SafeTensors& contents, const std::string& file) {
    const SafeTensorsHeader header = header_of(contents);
    LoadedTransformerNet loaded;
    loaded.net = TransformerNet(transformer_options_from(header, file));
    // Community conversions of the PyTorch examples may still carry running statistics.
    load_state_dict(*loaded.net, contents.tensors, file,
                    R"(in\d+\.running_(mean|var)|.*num_batches_tracked)");
    loaded.net->eval();
    loaded.metadata = contents.metadata;
    return loaded;
}

LoadedTransformerNet load_transformer_net(const std::string& file) {
    return transformer_net_from(read_safetensors(file), file);
}

void save_transformer_net(const std::string& file, TransformerNet& net, Metadata metadata,
                          torch::ScalarType dtype) {
    STYLECAM_CHECK(
        dtype == torch::kFloat32 || dtype == torch::kFloat16 || dtype == torch::kBFloat16, file,
        ": model files store F32, F16 or BF16");
    metadata["architecture"] = kJohnsonArchitecture;
    metadata["channels"] = std::to_string(net->options().channels());
    metadata["residual_blocks"] = std::to_string(net->options().residual_blocks());
    metadata["outer_kernel"] = std::to_string(net->options().outer_kernel());
    metadata["pixel_shuffle"] = std::to_string(net->options().pixel_shuffle());
    if (net->options().separable_residuals()) metadata["residual_blocks_separable"] = "1";
    metadata["input_color_order"] = "RGB";
    metadata["input_range"] = "0-255";
    metadata["output_range"] = "0-255";
    auto tensors = state_dict(*net);
    for (auto& [name, tensor] : tensors) tensor = tensor.to(torch::kCPU, dtype);
    write_safetensors(file, tensors, metadata);
}

}  // namespace stylecam
