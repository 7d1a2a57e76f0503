#pragma once
/// Reading state dicts saved by PyTorch's `torch.save`, without Python, in both of its formats:
/// - zip (PyTorch ≥ 1.6): `<archive>/data.pkl` (the pickled object) and `<archive>/data/<key>`
///   (one raw little-endian storage per key);
/// - legacy (`_use_new_zipfile_serialization=False`, and everything before 1.6): five things
///   back to back: the magic-number pickle, the protocol-version pickle, a sys_info pickle, the
///   pickled object, the pickled list of storage keys; then per key an int64 element count and
///   the storage's raw bytes.
///
/// Only plain state dicts are accepted: an `OrderedDict`/dict of tensors (built by
/// `torch._utils._rebuild_tensor_v2`/`_rebuild_parameter` over typed storages), or a dict holding
/// one under `state_dict` or `model` (training checkpoints). No other class may appear; nothing
/// in a file runs code. Every failure is `stylecam::Error("<file>: <problem>")`, one line.

#include <torch/torch.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stylecam {

struct TorchCheckpoint {
    /// Contiguous CPU tensors with their stored dtype (views materialized), by name.
    std::map<std::string, torch::Tensor> tensors;
    /// Names in the order the file lists them.
    std::vector<std::string> order;
    std::string format;  ///< "zip" or "legacy"
};

/// Reads a checkpoint file; throws `Error("<path>: ...")`.
TorchCheckpoint read_torch_checkpoint(const std::string& path);

/// Parses a checkpoint already in memory; `name` is used in error messages.
TorchCheckpoint parse_torch_checkpoint(std::string_view bytes, const std::string& name);

}  // namespace stylecam
