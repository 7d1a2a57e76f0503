#include "stylize/style_network.h"

#include "core/file_util.h"
#include "stylize/onnx_style_network.h"
#include "stylize/torch_style_network.h"

namespace stylecam {

std::unique_ptr<StyleNetwork> open_style_network(const std::string& path,
                                                 const NetworkOptions& options) {
    if (lower_extension(path) == ".onnx") return std::make_unique<OnnxStyleNetwork>(path, options);
    return std::make_unique<TorchStyleNetwork>(path, options);
}

}  // namespace stylecam
