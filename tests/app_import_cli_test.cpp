/// `stylecam import` as a user runs it: a PyTorch checkpoint into --output, MicroAST's four
/// files into the first model folder, both then listed by `stylecam models`; bad files fail with
/// one stderr line naming the file, and nothing is written.

#include "checkpoint_fixtures.h"
#include "core/safetensors.h"
#include "test_support.h"

namespace stylecam {
namespace {

using testing::run_stylecam;
using testing::TempDir;

std::string quote(const std::string& text) { return "'" + text + "'"; }

std::string original(const std::string& name) {
    return testing::shared_dir() + "/weights/original/" + name;
}

size_t files_in(const std::string& folder) {
    size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder)) ++count;
    return count;
}

TEST(ImportCli, PyTorchCheckpointIntoAFolderThenListed) {
    const auto legacy = original("pytorch_examples/mosaic_legacy.pth");
    STYLECAM_REQUIRE_FILE(legacy);
    TempDir dir;
    const auto out = dir.path("models");
    auto result = run_stylecam("import " + quote(legacy) + " --output " + quote(out) +
                               " --name mine --source 'pytorch/examples (BSD-3-Clause)'");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("mine.safetensors"), std::string::npos) << result.out;
    const auto header = read_safetensors_header(out + "/mine.safetensors");
    EXPECT_EQ(header.metadata.at("source"), "pytorch/examples (BSD-3-Clause)");
    EXPECT_EQ(header.metadata.at("source_file"), "mosaic_legacy.pth");
    EXPECT_EQ(header.tensors.count("in1.running_mean"), 0u);

    const auto listing = run_stylecam("models --models " + quote(out));
    EXPECT_NE(listing.out.find("mine"), std::string::npos) << listing.out;
    EXPECT_NE(listing.out.find("johnson2016 (32ch, 5 res)"), std::string::npos) << listing.out;
    EXPECT_NE(listing.out.find("pytorch/examples (BSD-3-Clause)"), std::string::npos);

    // Importing again does not replace it unless asked.
    result = run_stylecam("import " + quote(legacy) + " --output " + quote(out) + " --name mine");
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("already exists"), std::string::npos) << result.err;
    result = run_stylecam("import " + quote(legacy) + " --output " + quote(out) +
                          " --name mine --force");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(files_in(out), 1u);
}

TEST(ImportCli, MicroAstIntoTheFirstModelFolder) {
    std::string files;
    for (const char* part : {"content_encoder", "style_encoder", "modulator", "decoder"}) {
        const auto path = original(std::string("microast/") + part + "_iter_160000.pth.tar");
        STYLECAM_REQUIRE_FILE(path);
        files += " " + quote(path);
    }
    TempDir dir;
    const auto result = run_stylecam("import" + files + " --models " + quote(dir.path()));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto listing = run_stylecam("models --models " + quote(dir.path()));
    EXPECT_NE(listing.out.find("microast"), std::string::npos) << listing.out;
    EXPECT_NE(listing.out.find("any painting"), std::string::npos) << listing.out;
}

TEST(ImportCli, BadFilesFailWithOneLineAndWriteNothing) {
    TempDir dir;
    const auto out = dir.path("out");
    std::filesystem::create_directories(out);
    const auto good = testing::zip_checkpoint(testing::small_fixture());
    testing::write_text(dir.path("garbage.pth"), "not a checkpoint at all");
    testing::write_text(dir.path("truncated.pth"), good.substr(0, good.size() / 2));
    std::string flipped = good;
    flipped[60] ^= 0x04;
    testing::write_text(dir.path("flipped.pth"), flipped);
    testing::write_text(dir.path("other.pth"), good);
    for (const char* name : {"garbage.pth", "truncated.pth", "flipped.pth", "other.pth"}) {
        const auto result =
            run_stylecam("import " + quote(dir.path(name)) + " --output " + quote(out));
        EXPECT_EQ(result.exit_code, 1) << name;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_EQ(result.err.rfind("stylecam: error: " + dir.path(name) + ": ", 0), 0u)
            << result.err;
        EXPECT_EQ(files_in(out), 0u) << name;
    }
    // Two files that would become the same model (needs a real checkpoint to get that far).
    const auto legacy = original("pytorch_examples/mosaic_legacy.pth");
    if (std::filesystem::exists(legacy)) {
        const auto twice = run_stylecam("import " + quote(legacy) + " " + quote(legacy) +
                                        " --output " + quote(out));
        EXPECT_EQ(twice.exit_code, 1);
        EXPECT_NE(twice.err.find("would both become"), std::string::npos) << twice.err;
        EXPECT_EQ(files_in(out), 0u);
    }
    const auto missing = run_stylecam("import " + quote(dir.path("absent.pth")));
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("absent.pth"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace stylecam
