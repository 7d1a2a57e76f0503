#pragma once
/// Copying named tensors into a module's parameters and buffers, with PyTorch's strictness and
/// error messages that name the file and the tensor.

#include "core/safetensors.h"

#include <torch/torch.h>

#include <map>
#include <string>

namespace stylecam {

/// Copies `tensors` into `module` (converting dtype, keeping the module's device). Every parameter
/// must be present with the same shape; names in `tensors` that the module does not have are
/// an error unless they match `ignored_pattern` (a regex, e.g. running statistics).
/// Throws `Error("<file>: ...")`.
void load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors,
                     const std::string& file, const std::string& ignored_pattern = "");

/// All parameters and buffers of `module`, by name, detached.
std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module);

/// "[32, 3, 9, 9]".
std::string shape_string(at::IntArrayRef shape);

}  // namespace stylecam
