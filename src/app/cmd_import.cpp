/// `stylecam import`: PyTorch checkpoints (fast_neural_style TransformerNet, MicroAST's published
/// parts) → safetensors model files in the first model folder, or --output.

#include "app/command.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "core/text.h"
#include "nets/model_import.h"
#include "stylize/model_registry.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace stylecam {
namespace fs = std::filesystem;
namespace {

struct ImportParams {
    std::vector<std::string> files;
    std::string output;
    std::string name;
    std::string source;
    std::vector<std::string> model_folders;
    bool force = false;
};

std::string output_folder(const ImportParams& params) {
    if (!params.output.empty()) return params.output;
    const auto folders = model_search_path(params.model_folders);
    STYLECAM_CHECK(!folders.empty(),
                   "no model folder to import into: pass --output DIR (or --models DIR, or set "
                   "STYLECAM_MODELS)");
    return folders.front().path;
}

int run_import(const ImportParams& params) {
    const std::string folder = output_folder(params);
    std::vector<CheckpointFile> files;
    for (const auto& path : params.files) files.push_back(read_checkpoint_file(path));
    const auto models = import_checkpoints(files, {params.name, params.source});

    // Every target is checked before anything is written.
    std::vector<std::string> targets;
    for (const auto& model : models) {
        STYLECAM_CHECK(!model.name.empty() && model.name.find('/') == std::string::npos &&
                           model.name != "." && model.name != "..",
                       "--name '", model.name, "' is not a file name");
        const auto target = (fs::path(folder) / (model.name + ".safetensors")).string();
        std::error_code ec;
        STYLECAM_CHECK(params.force || !fs::exists(target, ec), target,
                       ": already exists (pass --force to replace it, or --name NAME)");
        STYLECAM_CHECK(std::find(targets.begin(), targets.end(), target) == targets.end(),
                       "two of the files would both become ", target,
                       " (import them one by one with --name)");
        targets.push_back(target);
    }
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        STYLECAM_CHECK(!params.output.empty(), folder, ": model folder does not exist");
        fs::create_directories(folder, ec);
        STYLECAM_CHECK(!ec, folder, ": cannot create the folder (", ec.message(), ")");
    }
    for (size_t i = 0; i < models.size(); ++i) {
        const auto& model = models[i];
        write_safetensors(targets[i], model.tensors, model.metadata);
        std::printf("%s: %s, %lld parameters, %s (from %s)\n", targets[i].c_str(),
                    model.architecture.c_str(), static_cast<long long>(model.parameters),
                    human_bytes(static_cast<double>(fs::file_size(targets[i], ec))).c_str(),
                    model.metadata.at("source_file").c_str());
    }
    return kExitOk;
}

}  // namespace

Command add_import_command(CLI::App& app) {
    auto params = std::make_shared<ImportParams>();
    CLI::App* command = app.add_subcommand(
        "import",
        "Convert PyTorch checkpoints (fast_neural_style TransformerNet .pth, zip or legacy "
        "format; MicroAST's four published .pth.tar files; torchvision VGG19) into model files");
    command->add_option("files", params->files, "Checkpoint files")
        ->required()
        ->check(CLI::ExistingFile);
    command->add_option("-o,--output", params->output,
                        "Folder to write into (created if missing); default: the first model "
                        "folder");
    command->add_option("--name", params->name,
                        "Model name (file stem); default: the checkpoint's stem, or 'microast'");
    command->add_option("--source", params->source,
                        "Where the weights come from and their licence, stored as the model's "
                        "'source' metadata");
    command->add_flag("--force", params->force, "Replace an existing model file");
    add_models_option(*command, params->model_folders);
    return {command, [params] { return run_import(*params); }};
}

}  // namespace stylecam
