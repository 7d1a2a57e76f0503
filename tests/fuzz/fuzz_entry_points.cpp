#include "fuzz/fuzz_entry_points.h"

#include "core/error.h"
#include "core/onnx_weights.h"
#include "core/pickle_reader.h"
#include "core/safetensors.h"
#include "core/torch_checkpoint.h"
#include "core/zip_archive.h"
#include "image/picture.h"
#include "nets/microast.h"
#include "nets/model_file.h"
#include "nets/model_import.h"
#include "nets/state_dict.h"
#include "stylize/painting.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace stylecam::fuzz {
namespace {

constexpr const char* kName = "fuzz-input";

/// Runs `body`; a stylecam::Error is the expected way to reject an input.
template <typename Body>
void expecting_errors(Body&& body) {
    try {
        body();
    } catch (const Error&) {
    }
}

/// A file holding `bytes` (for entry points that take a path), in /dev/shm when it exists,
/// removed on destruction. Unique per process.
class ScratchFile {
  public:
    ScratchFile(std::string_view bytes, const std::string& extension) {
        const std::filesystem::path dir = std::filesystem::exists("/dev/shm")
                                              ? "/dev/shm"
                                              : std::filesystem::temp_directory_path();
        path_ = (dir / ("stylecam-fuzz-" + std::to_string(getpid()) + extension)).string();
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    ~ScratchFile() { std::remove(path_.c_str()); }
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

void import_one(TorchCheckpoint checkpoint, const std::string& path) {
    std::vector<CheckpointFile> files(1);
    files[0].path = path;
    files[0].sha256 = "0";
    files[0].checkpoint = std::move(checkpoint);
    import_checkpoints(files, {});
}

}  // namespace

void safetensors_model(std::string_view bytes) {
    expecting_errors([&] {
        const SafeTensors contents = parse_safetensors(std::string(bytes), kName);
        const SafeTensorsHeader header = header_of(contents);
        if (is_microast(header)) {
            MicroAst net(microast_options_from(header, kName));
            load_state_dict(*net, contents.tensors, kName);
        } else {
            transformer_net_from(contents, kName);
        }
    });
}

void torch_checkpoint(std::string_view bytes) {
    expecting_errors([&] { import_one(parse_torch_checkpoint(bytes, kName), "fuzz-input.pth"); });
}

void pickle(std::string_view bytes) {
    expecting_errors([&] {
        size_t offset = 0;
        while (offset < bytes.size()) read_pickle(bytes, &offset, PickleHooks{}, kName);
    });
}

void zip(std::string_view bytes) {
    expecting_errors([&] {
        const ZipArchive archive(bytes, kName);
        for (const auto& [entry, data] : archive.entries()) archive.read(entry);
    });
    expecting_errors([&] {  // as resuming training checks LibTorch's archives
        const ZipArchive archive(bytes, kName, /*allow_deflated=*/true);
        for (const auto& [entry, data] : archive.entries())
            if (archive.is_stored(entry)) archive.read(entry);
    });
}

void onnx_weights(std::string_view bytes) {
    expecting_errors([&] {
        OnnxWeights weights = parse_onnx_weights(bytes, kName);
        TorchCheckpoint checkpoint;
        checkpoint.tensors = std::move(weights.tensors);
        checkpoint.order = std::move(weights.order);
        checkpoint.format = "onnx";
        import_one(std::move(checkpoint), "fuzz-input.onnx");
    });
}

void picture(std::string_view bytes) {
    const ScratchFile file(bytes, ".png");  // OpenCV picks the decoder by content, not name
    // Decoded once (decoding is most of the time): prepare_painting reads files with the same
    // read_picture, so it gets the decoded pixels in memory.
    Picture decoded;
    expecting_errors([&] {
        decoded = read_picture(file.path());
        from_picture(decoded, true, decoded.source_depth == CV_16U);
    });
    if (decoded.bgr.empty()) return;
    for (const int style_size : {0, 64}) {
        expecting_errors([&] {
            PaintingPart part;
            part.path = file.path();
            part.image = decoded.bgr;
            prepare_painting(part, style_size);
        });
    }
}

}  // namespace stylecam::fuzz
