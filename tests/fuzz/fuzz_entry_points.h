#pragma once
/// The project's entry points for files from strangers, one function per fuzz target
/// (tests/fuzz/fuzz_<name>.cpp) and shared with the GoogleTest replay of the fuzzers' old
/// findings (tests/fuzz_regressions_test.cpp). Each takes any bytes, runs them through the same
/// code the program runs on such a file, and returns normally when the input was accepted or
/// rejected with `stylecam::Error` (the contract of every reader). Anything else — a crash, a
/// sanitizer report, another exception escaping — is a finding.

#include <string_view>

namespace stylecam::fuzz {

/// safetensors: parse_safetensors, then what a model file's metadata and shapes make of it:
/// transformer_options_from / microast_options_from and, when they agree, building the network
/// and loading its state (transformer_net_from; MicroAST's load_state_dict).
void safetensors_model(std::string_view bytes);

/// torch.save checkpoints (zip or legacy pickle): parse_torch_checkpoint, then import_checkpoints.
void torch_checkpoint(std::string_view bytes);

/// The pickle reader alone, with hooks that refuse every class (what a stray pickle meets).
void pickle(std::string_view bytes);

/// The zip reader alone: the directory, then every entry's bytes (CRC-checked); strict (torch.save
/// files), then allowing deflated entries (LibTorch's own archives, as resuming training reads).
void zip(std::string_view bytes);

/// ONNX initializers: parse_onnx_weights, then import_checkpoints.
void onnx_weights(std::string_view bytes);

/// An image file: read_picture, from_picture, and prepare_painting of the decoded pixels at two
/// style sizes.
void picture(std::string_view bytes);

/// A training checkpoint (`<model>.ckpt`, LibTorch's serialize archive): resuming a tiny run of
/// train_transformer_net from it. In training_checkpoint_entry.cpp (it needs the trainer).
void training_checkpoint(std::string_view bytes);

}  // namespace stylecam::fuzz
