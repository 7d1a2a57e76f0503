#pragma once
/// Transformer-net model files: safetensors with the PyTorch examples' tensor names and a
/// `__metadata__` map. Keys written by StyleCam: `architecture` (= "johnson2016"), `channels`,
/// `residual_blocks`, `style`, `input_color_order` (= "RGB"), `input_range`/`output_range`
/// (= "0-255"), plus whatever the writer adds (source, training settings).

#include "core/safetensors.h"
#include "nets/transformer_net.h"

#include <string>

namespace stylecam {

constexpr const char* kJohnsonArchitecture = "johnson2016";

struct LoadedTransformerNet {
    TransformerNet net{nullptr};  ///< on the CPU, fp32, in eval mode
    Metadata metadata;
};

/// Architecture options of a model file: from its tensors' shapes (width from conv1, depth from
/// the count of res blocks), cross-checked against `channels`/`residual_blocks` metadata.
TransformerNetOptions transformer_options_from(const SafeTensorsHeader& header,
                                               const std::string& file);

/// Loads a model file; throws `Error("<file>: ...")` for anything wrong with it.
LoadedTransformerNet load_transformer_net(const std::string& file);

/// Builds a network from tensors already read (and validated); `file` names them in errors.
LoadedTransformerNet transformer_net_from(const SafeTensors& contents, const std::string& file);

/// Writes `net` with its architecture metadata merged over `metadata`. `dtype` F32, F16 or BF16
/// (half the size; the loader upcasts).
void save_transformer_net(const std::string& file, TransformerNet& net, Metadata metadata = {},
                          torch::ScalarType dtype = torch::kFloat32);

}  // namespace stylecam
