#include "stylize/model_registry.h"

#include "core/error.h"
#include "core/file_util.h"
#include "core/safetensors.h"
#include "core/text.h"
#include "nets/microast.h"
#include "nets/model_file.h"

#include <stylecam_build_paths.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

const char* kModelExtensions[] = {".safetensors", ".onnx"};

std::string describe_architecture(const SafeTensorsHeader& header, const std::string& path) {
    std::ostringstream arch;
    const auto declared = header.metadata.find("architecture");
    if (declared != header.metadata.end() && declared->second == "vgg19") {
        const auto convs = std::count_if(header.tensors.begin(), header.tensors.end(),
                                         [](const auto& t) { return t.second.shape.size() == 4; });
        arch << "vgg19 (loss network, " << convs << " convs)";
        return arch.str();
    }
    if (is_microast(header)) {
        arch << kMicroAstArchitecture << " (" << microast_options_from(header, path).channels()
             << "ch; any painting: --style-image)";
        return arch.str();
    }
    const auto options = transformer_options_from(header, path);
    arch << kJohnsonArchitecture << " (" << options.channels() << "ch, "
         << options.residual_blocks() << " res";
    if (options.outer_kernel() != 9)
        arch << ", " << options.outer_kernel() << "x" << options.outer_kernel();
    if (options.pixel_shuffle() > 1) arch << ", shuffle " << options.pixel_shuffle();
    if (options.separable_residuals()) arch << ", separable";
    arch << ")";
    return arch.str();
}

ModelInfo describe_model(const fs::path& file, const std::string& origin) {
    ModelInfo info;
    info.name = file.stem().string();
    info.path = file.string();
    info.origin = origin;
    std::error_code ec;
    info.size_bytes = fs::file_size(file, ec);
    if (lower_extension(info.path) == ".onnx") {
        info.architecture = "onnx (OpenCV DNN)";
        return info;
    }
    try {
        const auto header = read_safetensors_header(info.path);
        info.architecture = describe_architecture(header, info.path);
        info.arbitrary = is_microast(header);
        int64_t parameters = 0;
        for (const auto& [name, tensor] : header.tensors) {
            int64_t count = 1;
            for (auto d : tensor.shape) count *= d;
            parameters += count;
        }
        info.parameters = parameters;
        if (header.metadata.count("source")) info.source = header.metadata.at("source");
    } catch (const Error& error) {
        info.valid = false;
        info.architecture = "invalid";
        info.source = error.what();
    }
    return info;
}

}  // namespace

std::vector<ModelFolder> model_search_path(const std::vector<std::string>& extra) {
    std::vector<ModelFolder> folders;
    for (const auto& folder : extra) folders.push_back({folder, "--models"});
    if (const char* env = std::getenv("STYLECAM_MODELS"))
        for (const auto& folder : split(env, ':')) folders.push_back({folder, "STYLECAM_MODELS"});
    std::error_code ec;
    if (fs::is_directory(STYLECAM_PROJECT_MODELS_DIR, ec))
        folders.push_back({STYLECAM_PROJECT_MODELS_DIR, "project"});
    return folders;
}

std::string resolve_model(const std::string& model, const std::vector<ModelFolder>& folders) {
    std::error_code ec;
    STYLECAM_CHECK(!model.empty(), "--model: empty model name");
    if (fs::is_regular_file(model, ec)) return model;
    const bool looks_like_path =
        model.find('/') != std::string::npos || fs::path(model).has_extension();
    STYLECAM_CHECK(!looks_like_path, model, ": model file not found");
    for (const auto& folder : folders)
        for (const char* ext : kModelExtensions) {
            const fs::path candidate = fs::path(folder.path) / (model + ext);
            if (fs::is_regular_file(candidate, ec)) return candidate.string();
        }
    std::ostringstream searched;
    for (size_t i = 0; i < folders.size(); ++i) searched << (i ? ", " : "") << folders[i].path;
    STYLECAM_FAIL("unknown style '", model, "' (looked in ",
                  folders.empty() ? std::string("no model folders") : searched.str(),
                  "; `stylecam models` lists what is available)");
}

std::string find_vgg_weights(const std::string& explicit_path,
                             const std::vector<ModelFolder>& folders) {
    if (!explicit_path.empty()) return explicit_path;
    if (const char* env = std::getenv("STYLECAM_VGG")) return env;
    for (const auto& folder : folders) {
        std::error_code ec;
        if (!fs::is_directory(folder.path, ec)) continue;
        for (const auto& entry : fs::directory_iterator(folder.path, ec)) {
            const auto name = entry.path().filename().string();
            if (name.rfind("vgg19", 0) == 0 && lower_extension(name) == ".safetensors")
                return entry.path().string();
        }
    }
    STYLECAM_FAIL(
        "no VGG19 weights: pass --vgg FILE or set STYLECAM_VGG (the README says where "
        "to get them)");
}

std::string find_microast_weights(const std::string& explicit_path,
                                  const std::vector<ModelFolder>& folders) {
    if (!explicit_path.empty()) return resolve_model(explicit_path, folders);
    if (const char* env = std::getenv("STYLECAM_MICROAST")) return env;
    for (const auto& model : list_models(folders))
        if (model.valid && model.arbitrary) return model.path;
    STYLECAM_FAIL(
        "no MicroAST weights for --style-image: pass --model FILE, set STYLECAM_MICROAST, or put "
        "microast.safetensors in a models folder (`stylecam import` converts the published "
        "checkpoints; see the README)");
}

std::vector<ModelInfo> list_models(const std::vector<ModelFolder>& folders) {
    std::vector<ModelInfo> models;
    std::set<std::string> seen;
    for (const auto& folder : folders) {
        std::error_code ec;
        if (!fs::is_directory(folder.path, ec)) continue;
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(folder.path, ec)) {
            const auto ext = lower_extension(entry.path().string());
            if (entry.is_regular_file(ec) &&
                std::any_of(std::begin(kModelExtensions), std::end(kModelExtensions),
                            [&](const char* known) { return ext == known; }))
                files.push_back(entry.path());
        }
        // safetensors before onnx for the same name, then by name
        std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
            if (a.stem() != b.stem()) return a.stem() < b.stem();
            return lower_extension(a.string()) == ".safetensors";
        });
        for (const auto& file : files) {
            auto info = describe_model(file, folder.origin);
            if (!seen.insert(info.name).second) info.origin += " (shadowed)";
            models.push_back(std::move(info));
        }
    }
    return models;
}

}  // namespace stylecam
