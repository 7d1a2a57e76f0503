#include "stylize/style_network.h"

#include "core/error.h"
#include "core/file_util.h"
#include "core/safetensors.h"
#include "nets/microast.h"
#include "stylize/microast_style_network.h"
#include "stylize/onnx_style_network.h"
#include "stylize/torch_style_network.h"

namespace stylecam {

std::unique_ptr<StyleNetwork> open_style_network(const std::string& path,
                                                 const NetworkOptions& options) {
    if (lower_extension(path) == ".onnx") return std::make_unique<OnnxStyleNetwork>(path, options);
    // Device and precision first (as each network does): their errors come before the file's.
    resolve_precision(options.precision, resolve_device(options.device));
    if (is_microast(read_safetensors_header(path)))
        return std::make_unique<MicroAstStyleNetwork>(path, options);
    return std::make_unique<TorchStyleNetwork>(path, options);
}

std::vector<std::string> StyleNetwork::set_style(const PaintingStyle& style) {
    STYLECAM_FAIL("a painting (", style.name(), ") needs an arbitrary-style network such as ",
                  "MicroAST; this model is a trained style (", describe(), ")");
}

}  // namespace stylecam
