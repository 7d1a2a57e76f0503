#pragma once
/// The weights (graph initializers) of an ONNX model, read straight from its protobuf bytes:
/// `ModelProto.graph.initializer[]` with name, dims, data type and `raw_data` or `float_data`.
/// The graph itself is not interpreted. Every length and offset is checked; anything malformed
/// or unsupported (external data, other dtypes) is `stylecam::Error("<name>: <problem>")`.

#include <torch/torch.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stylecam {

struct OnnxWeights {
    std::map<std::string, torch::Tensor> tensors;  ///< CPU, contiguous, stored dtype
    std::vector<std::string> order;                ///< as listed in the file
};

/// Reads the initializers of the ONNX model in `bytes`. Supported types: FLOAT, FLOAT16,
/// BFLOAT16, DOUBLE, INT64, INT32. Throws `Error("<name>: ...")`.
OnnxWeights parse_onnx_weights(std::string_view bytes, const std::string& name);

}  // namespace stylecam
