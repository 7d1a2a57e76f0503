#pragma once
/// Turning PyTorch checkpoints into StyleCam model files (the tensors and metadata; writing them
/// is the caller's): the PyTorch examples' `TransformerNet` state dicts, one model per file, and
/// MicroAST's four published part files (content encoder, style encoder, modulator, decoder),
/// merged into one model with a prefix per part; torchvision's VGG19 (the loss network: its
/// `features.*` with torchvision's input convention in the metadata). ONNX exports of these
/// networks convert the same way. Weights must be fp32 or fp16
/// and are stored as fp32 (an exact upcast). Old `inN.running_mean|var` entries and a DataParallel
/// `module.` prefix are dropped. Each result is checked by building the network from it.

#include "core/safetensors.h"
#include "core/torch_checkpoint.h"

#include <string>
#include <vector>

namespace stylecam {

/// A checkpoint file read for import.
struct CheckpointFile {
    std::string path;
    std::string sha256;  ///< of the whole file, hex
    TorchCheckpoint checkpoint;
};

/// Reads `path`: a torch.save checkpoint (zip or legacy format), or an ONNX export (`.onnx`:
/// its initializers, which keep the module's parameter names). Throws `Error("<path>: ...")`.
CheckpointFile read_checkpoint_file(const std::string& path);

struct ImportOptions {
    std::string name;    ///< model name (file stem); default: the file's stem, or "microast"
    std::string source;  ///< the `source` metadata (origin, licence); default: "imported from …"
};

/// One model to write: `<name>.safetensors` with these tensors and metadata.
struct ImportedModel {
    std::string name;
    std::string architecture;                      ///< "johnson2016" or "microast"
    std::map<std::string, torch::Tensor> tensors;  ///< fp32, CPU, contiguous
    Metadata metadata;  ///< architecture keys, style, source, source_file, source_sha256
    int64_t parameters = 0;
};

/// Converts `files`: every TransformerNet or VGG19 checkpoint becomes a model of its own; MicroAST
/// part files (recognised by their tensor names; content and style encoders by their file names)
/// must come as the full set of four and become one model. `options.name` requires a single
/// resulting model. Throws `Error("<file>: ...")` for anything it cannot convert.
std::vector<ImportedModel> import_checkpoints(const std::vector<CheckpointFile>& files,
                                              const ImportOptions& options);

}  // namespace stylecam
