#pragma once
/// Finding models by style name. Search order: folders given with `--models`, then the folders in
/// the `STYLECAM_MODELS` environment variable (colon-separated), then the project's `models/`.
/// A model is a `NAME.safetensors` or `NAME.onnx` file; the first folder that has NAME wins, and
/// within a folder safetensors is preferred over ONNX.

#include <cstdint>
#include <string>
#include <vector>

namespace stylecam {

struct ModelFolder {
    std::string path;
    std::string origin;  ///< "--models", "STYLECAM_MODELS" or "project"
};

struct ModelInfo {
    std::string name;  ///< file stem: what `--model NAME` takes
    std::string path;
    std::string origin;        ///< the folder's origin
    std::string architecture;  ///< e.g. "johnson2016 (32ch, 5 res)", "onnx", or "invalid: why"
    std::string source;        ///< the file's `source` metadata, when present
    uint64_t size_bytes = 0;
    int64_t parameters = -1;  ///< -1 when unknown (ONNX, invalid)
    bool valid = true;
    bool arbitrary = false;  ///< an arbitrary-style network (MicroAST): takes a painting
};

/// The search path: `extra` folders (from --models), STYLECAM_MODELS, the project's models/.
/// Folders that do not exist are kept (listing says so) except the project's.
std::vector<ModelFolder> model_search_path(const std::vector<std::string>& extra);

/// Resolves `--model`: an existing file path is used as is; otherwise a style name is looked up
/// in `folders`. Throws `Error` ("unknown style 'x' (looked in ...; `stylecam models` lists ...)").
std::string resolve_model(const std::string& model, const std::vector<ModelFolder>& folders);

/// VGG19 weights for the loss network: `explicit_path` when given, else $STYLECAM_VGG, else the
/// first `vgg19*.safetensors` in `folders`. Throws `Error` saying how to provide them.
std::string find_vgg_weights(const std::string& explicit_path,
                             const std::vector<ModelFolder>& folders);

/// MicroAST weights for `--style-image`: `explicit_path` when given (a file, or a name looked up
/// like --model), else $STYLECAM_MICROAST, else the first arbitrary-style model in `folders`.
/// Throws `Error` saying how to provide them.
std::string find_microast_weights(const std::string& explicit_path,
                                  const std::vector<ModelFolder>& folders);

/// Every model in `folders` (reading headers only), in search order, duplicates marked as
/// shadowed by giving them `origin` + " (shadowed)".
std::vector<ModelInfo> list_models(const std::vector<ModelFolder>& folders);

}  // namespace stylecam
