#include "nets/model_import.h"

#include "core/error.h"
#include "core/file_util.h"
#include "core/onnx_weights.h"
#include "core/sha256.h"
#include "nets/microast.h"
#include "nets/model_file.h"
#include "nets/state_dict.h"
#include "nets/vgg19_features.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

enum class Part { Transformer, ContentEncoder, StyleEncoder, Modulator, Decoder, Vgg19 };

const char* part_prefix(Part part) {
    switch (part) {
        case Part::ContentEncoder:
            return "content_encoder.";
        case Part::StyleEncoder:
            return "style_encoder.";
        case Part::Modulator:
            return "modulator.";
        case Part::Decoder:
            return "decoder.";
        case Part::Transformer:
        case Part::Vgg19:
            break;
    }
    return "";
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

/// A model name from a file name: "mosaic.pth" → "mosaic", "x.pth.tar" → "x".
std::string stem_of(const std::string& path) {
    std::string name = file_name(path);
    for (const char* ext : {".tar", ".pth", ".pt", ".ckpt", ".bin", ".onnx"}) {
        const std::string e(ext);
        if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
            name.resize(name.size() - e.size());
    }
    return name;
}

/// `x.running_mean`, `x.running_var`, `x.num_batches_tracked`: normalization statistics that
/// old PyTorch versions saved for InstanceNorm and that the networks here do not use.
bool is_running_statistic(const std::string& name) {
    const auto dot = name.rfind('.');
    const std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
    return last == "running_mean" || last == "running_var" || last == "num_batches_tracked";
}

/// The tensors to keep: `module.` prefix removed, running statistics dropped, fp32.
std::map<std::string, torch::Tensor> clean_tensors(const CheckpointFile& file) {
    const auto& tensors = file.checkpoint.tensors;
    const bool data_parallel = std::all_of(tensors.begin(), tensors.end(), [](const auto& entry) {
        return entry.first.rfind("module.", 0) == 0;
    });
    std::map<std::string, torch::Tensor> kept;
    for (const auto& [name, tensor] : tensors) {
        const std::string key = data_parallel ? name.substr(7) : name;
        if (is_running_statistic(key)) continue;
        STYLECAM_CHECK(
            tensor.scalar_type() == torch::kFloat32 || tensor.scalar_type() == torch::kFloat16,
            file.path, ": tensor '", name, "' is ", tensor.scalar_type(),
            "; only fp32 and fp16 weights can be imported");
        kept[key] = tensor.to(torch::kFloat32).contiguous();
    }
    return kept;
}

Part part_of(const CheckpointFile& file, const std::map<std::string, torch::Tensor>& tensors) {
    if (tensors.count("conv1.conv2d.weight")) return Part::Transformer;
    if (tensors.count("features.0.weight") && tensors.at("features.0.weight").dim() == 4 &&
        tensors.at("features.0.weight").size(0) == 64)
        return Part::Vgg19;
    if (tensors.count("weight1.0.conv_layer.weight")) return Part::Modulator;
    if (tensors.count("dec1.conv1.conv_layer.weight")) return Part::Decoder;
    if (tensors.count("enc1.0.conv_layer.weight")) {
        const std::string name = file_name(file.path);
        const bool content = name.find("content") != std::string::npos;
        const bool style = name.find("style") != std::string::npos;
        STYLECAM_CHECK(content != style, file.path,
                       ": a MicroAST encoder, but its file name does not say whether it is the "
                       "content or the style encoder (keep the published names)");
        return content ? Part::ContentEncoder : Part::StyleEncoder;
    }
    std::string first = file.checkpoint.order.empty() ? "" : file.checkpoint.order.front();
    STYLECAM_FAIL(file.path,
                  ": not a checkpoint StyleCam can import (not a fast_neural_style "
                  "TransformerNet, a MicroAST part or a torchvision VGG19; first tensor '",
                  first, "')");
}

int64_t count_parameters(const std::map<std::string, torch::Tensor>& tensors) {
    int64_t count = 0;
    for (const auto& [name, tensor] : tensors) count += tensor.numel();
    return count;
}

ImportedModel import_transformer(const CheckpointFile& file,
                                 std::map<std::string, torch::Tensor> tensors,
                                 const ImportOptions& options) {
    ImportedModel model;
    model.name = options.name.empty() ? stem_of(file.path) : options.name;
    model.architecture = kJohnsonArchitecture;
    // Building the network checks every name and shape; its options give the metadata.
    const auto loaded = transformer_net_from(SafeTensors{tensors, {}}, file.path);
    const auto& net = loaded.net->options();
    model.metadata = {{"architecture", kJohnsonArchitecture},
                      {"channels", std::to_string(net.channels())},
                      {"residual_blocks", std::to_string(net.residual_blocks())},
                      {"outer_kernel", std::to_string(net.outer_kernel())},
                      {"pixel_shuffle", std::to_string(net.pixel_shuffle())},
                      {"style", model.name},
                      {"input_color_order", "RGB"},
                      {"input_range", "0-255"},
                      {"output_range", "0-255"}};
    model.tensors = std::move(tensors);
    return model;
}

/// torchvision's VGG19 (`features.N.*`; the classifier is dropped), with its input convention.
ImportedModel import_vgg19(const CheckpointFile& file, std::map<std::string, torch::Tensor> tensors,
                           const ImportOptions& options) {
    ImportedModel model;
    model.name = options.name.empty() ? stem_of(file.path) : options.name;
    model.architecture = "vgg19";
    model.metadata = {{"architecture", "vgg19"},
                      {"input_color_order", "RGB"},
                      {"input_range", "0-1"},
                      {"input_mean", "0.485,0.456,0.406"},
                      {"input_std", "0.229,0.224,0.225"}};
    for (auto& [name, tensor] : tensors)
        if (name.rfind("features.", 0) == 0) model.tensors[name] = std::move(tensor);
    // Building the loss network checks the names, shapes and the run of convolutions.
    Vgg19Features(SafeTensors{model.tensors, model.metadata}, file.path);
    return model;
}

ImportedModel import_microast(const std::vector<const CheckpointFile*>& parts,
                              std::vector<std::map<std::string, torch::Tensor>> tensors,
                              const ImportOptions& options) {
    ImportedModel model;
    model.name = options.name.empty() ? "microast" : options.name;
    model.architecture = kMicroAstArchitecture;
    model.metadata = {{"architecture", kMicroAstArchitecture},
                      {"input_color_order", "RGB"},
                      {"input_range", "0-1"},
                      {"output_range", "0-1"}};
    for (size_t i = 0; i < parts.size(); ++i)
        for (auto& [name, tensor] : tensors[i])
            model.tensors[part_prefix(static_cast<Part>(i + 1)) + name] = std::move(tensor);
    std::string files;
    for (const auto* part : parts) files += (files.empty() ? "" : ", ") + part->path;
    SafeTensorsHeader header;
    header.metadata = model.metadata;
    for (const auto& [name, tensor] : model.tensors)
        header.tensors[name] = TensorInfo{"F32", tensor.sizes().vec()};
    // Building the network checks every name and shape.
    MicroAst net(microast_options_from(header, files));
    load_state_dict(*net, model.tensors, files);
    return model;
}

}  // namespace

CheckpointFile read_checkpoint_file(const std::string& path) {
    const auto bytes = read_file_bytes(path);
    CheckpointFile file;
    file.path = path;
    if (lower_extension(path) == ".onnx") {
        // An ONNX export keeps the module's parameter names on its initializers; constants the
        // exporter made up ("onnx::Pad_12") are not weights.
        auto weights = parse_onnx_weights(bytes, path);
        for (const auto& name : weights.order)
            if (name.rfind("onnx::", 0) != 0) {
                file.checkpoint.tensors[name] = weights.tensors.at(name);
                file.checkpoint.order.push_back(name);
            }
        file.checkpoint.format = "onnx";
    } else {
        file.checkpoint = parse_torch_checkpoint(bytes, path);
    }
    file.sha256 = sha256_hex(bytes);
    return file;
}

std::vector<ImportedModel> import_checkpoints(const std::vector<CheckpointFile>& files,
                                              const ImportOptions& options) {
    STYLECAM_CHECK(!files.empty(), "no checkpoint files to import");
    std::vector<ImportedModel> models;
    // MicroAST parts in Part order (content encoder, style encoder, modulator, decoder).
    std::vector<const CheckpointFile*> parts(4, nullptr);
    std::vector<std::map<std::string, torch::Tensor>> part_tensors(4);
    size_t single_count = 0;
    for (const auto& file : files) {
        auto tensors = clean_tensors(file);
        const Part part = part_of(file, tensors);
        if (part == Part::Transformer || part == Part::Vgg19) {
            ++single_count;
            auto model = part == Part::Vgg19
                             ? import_vgg19(file, std::move(tensors), options)
                             : import_transformer(file, std::move(tensors), options);
            model.metadata["source"] =
                options.source.empty() ? "imported from " + file_name(file.path) : options.source;
            model.metadata["source_file"] = file_name(file.path);
            model.metadata["source_sha256"] = file.sha256;
            model.metadata["source_format"] =
                file.checkpoint.format == "onnx" ? "onnx" : "torch.save " + file.checkpoint.format;
            models.push_back(std::move(model));
            continue;
        }
        const auto index = static_cast<size_t>(part) - 1;
        STYLECAM_CHECK(!parts[index], file.path, ": a second MicroAST ",
                       std::string(part_prefix(part)).substr(0, std::strlen(part_prefix(part)) - 1),
                       " (the first was ", parts[index]->path, ")");
        parts[index] = &file;
        part_tensors[index] = std::move(tensors);
    }
    const auto given = std::count_if(parts.begin(), parts.end(), [](auto* p) { return p; });
    if (given > 0) {
        std::string missing;
        for (size_t i = 0; i < parts.size(); ++i)
            if (!parts[i]) {
                const std::string prefix = part_prefix(static_cast<Part>(i + 1));
                missing += (missing.empty() ? "" : ", ") + prefix.substr(0, prefix.size() - 1);
            }
        STYLECAM_CHECK(missing.empty(),
                       "MicroAST import needs its four files (content encoder, "
                       "style encoder, modulator, decoder); missing: ",
                       missing);
        auto model = import_microast(parts, std::move(part_tensors), options);
        std::string names, hashes;
        for (const auto* part : parts) {
            names += (names.empty() ? "" : ",") + file_name(part->path);
            hashes += (hashes.empty() ? "" : ",") + part->sha256;
        }
        model.metadata["source"] =
            options.source.empty() ? "imported from " + names : options.source;
        model.metadata["source_file"] = names;
        model.metadata["source_sha256"] = hashes;
        model.metadata["source_format"] = "torch.save " + parts[0]->checkpoint.format;
        models.push_back(std::move(model));
    }
    STYLECAM_CHECK(options.name.empty() || models.size() == 1, "--name '", options.name,
                   "' given, but the files make ", models.size(), " models (", single_count,
                   " single-file models", given ? " and MicroAST" : "",
                   "): import them one by one");
    for (auto& model : models) model.parameters = count_parameters(model.tensors);
    return models;
}

}  // namespace stylecam
