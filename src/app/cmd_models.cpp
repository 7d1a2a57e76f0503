/// `stylecam models`: what styles are available, and where they come from.

#include "app/command.h"
#include "core/text.h"
#include "stylize/model_registry.h"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace stylecam {
namespace {

struct ModelsParams {
    std::vector<std::string> model_folders;
};

int run_models(const ModelsParams& params) {
    const auto folders = model_search_path(params.model_folders);
    std::printf("Model folders, in search order:\n");
    if (folders.empty()) std::printf("  (none)\n");
    for (const auto& folder : folders) {
        std::error_code ec;
        std::printf("  %-16s %s%s\n", folder.origin.c_str(), folder.path.c_str(),
                    std::filesystem::is_directory(folder.path, ec) ? "" : "  (missing)");
    }
    const auto models = list_models(folders);
    std::printf("\n%-16s %-42s %9s %10s  %-20s %s\n", "NAME", "ARCHITECTURE", "SIZE", "PARAMS",
                "FROM", "PATH");
    for (const auto& model : models) {
        const std::string parameters =
            model.parameters >= 0 ? std::to_string(model.parameters) : "-";
        std::printf("%-16s %-42s %9s %10s  %-20s %s\n", model.name.c_str(),
                    model.architecture.c_str(),
                    human_bytes(static_cast<double>(model.size_bytes)).c_str(), parameters.c_str(),
                    model.origin.c_str(), model.path.c_str());
        if (!model.source.empty()) std::printf("%16s   %s\n", "", model.source.c_str());
    }
    if (models.empty())
        std::printf("(no models found: pass --models DIR or set STYLECAM_MODELS)\n");
    return kExitOk;
}

}  // namespace

Command add_models_command(CLI::App& app) {
    auto params = std::make_shared<ModelsParams>();
    CLI::App* command =
        app.add_subcommand("models", "List the styles found: name, architecture, size, source");
    add_models_option(*command, params->model_folders);
    return {command, [params] { return run_models(*params); }};
}

}  // namespace stylecam
