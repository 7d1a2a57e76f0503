#pragma once
/// safetensors I/O: an 8-byte little-endian header length N, N bytes of JSON
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`),
/// then the raw little-endian tensor bytes. Supported dtypes: F32, F16, BF16 (models), plus
/// F64, I64, I32, I16, I8, U8 and BOOL so that any tensor of a checkpoint can be stored.
///
/// Reading validates everything a corrupt or hostile file could get wrong (sizes, offsets,
/// dtypes, overlaps) and throws `stylecam::Error` naming the file and the problem.

#include <torch/torch.h>

#include <map>
#include <string>

namespace stylecam {

using Metadata = std::map<std::string, std::string>;

struct SafeTensors {
    /// Tensors on the CPU, contiguous, with the stored dtype. Ordered by name.
    std::map<std::string, torch::Tensor> tensors;
    /// The `__metadata__` map (empty when the file has none).
    Metadata metadata;
};

/// One tensor's description from a header, without its data.
struct TensorInfo {
    std::string dtype;  ///< "F32", "F16", "BF16", ...
    std::vector<int64_t> shape;
};

/// Header of a safetensors file: tensor descriptions and metadata; reads only the header bytes.
struct SafeTensorsHeader {
    std::map<std::string, TensorInfo> tensors;
    Metadata metadata;
};

/// The header that describes `contents` (dtypes, shapes and metadata): what
/// header-only readers check, for a file already read whole.
SafeTensorsHeader header_of(const SafeTensors& contents);

/// Reads and validates a whole file. Throws `Error("<path>: <problem>")`.
SafeTensors read_safetensors(const std::string& path);

/// Reads and validates the header only (cheap; for listing models).
SafeTensorsHeader read_safetensors_header(const std::string& path);

/// Parses a file already in memory; `name` is used in error messages.
SafeTensors parse_safetensors(const std::string& bytes, const std::string& name);

/// Serializes tensors (any device/layout; written as stored dtype, contiguous) and metadata.
std::string serialize_safetensors(const std::map<std::string, torch::Tensor>& tensors,
                                  const Metadata& metadata);

/// Writes atomically: a temporary file beside `path`, then rename. Never leaves a partial file.
void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const Metadata& metadata = {});

}  // namespace stylecam
