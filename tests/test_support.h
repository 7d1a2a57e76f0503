#pragma once
/// Helpers shared by the test files: where the real weights and sample data are, temporary
/// folders, and running the `stylecam` program.

#include "core/safetensors.h"

#include <opencv2/core.hpp>

#include <gtest/gtest.h>
#include <stylecam_build_paths.h>

#include <filesystem>
#include <string>

namespace stylecam::testing {

/// ../shared (or $STYLECAM_SHARED) and opencv-doc's sample data.
std::string shared_dir();
std::string style_weights(const std::string& style);  ///< shared/weights/styles/<style>.safetensors
std::string sample_data(const std::string& name);     ///< opencv-doc examples/data/<name>

/// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path(const std::string& name = "") const;

  private:
    std::filesystem::path root_;
};

struct CliResult {
    int exit_code = -1;
    std::string out;  ///< stdout
    std::string err;  ///< stderr
};

/// Runs a shell command line, capturing stdout and stderr (stdin is /dev/null).
CliResult run_shell(const std::string& command_line);

/// Runs the built `stylecam` with `arguments` (shell-quoted by the caller where needed).
CliResult run_stylecam(const std::string& arguments);

/// A small random VGG19 prefix (conv1_1..conv3_1 for 5 convs) with the given input convention
/// metadata; the defaults are the Caffe convention (BGR, 0-255, mean subtracted).
SafeTensors tiny_vgg(const std::string& order = "BGR", const std::string& range = "0-255",
                     const std::string& mean = "103.939,116.779,123.68",
                     const std::string& std = "1,1,1", int convs = 5);
/// Writes `tiny_vgg()` to `path`.
void write_tiny_vgg(const std::string& path);

/// The tensors of a random MicroAST `channels` wide (He-initialised, so that its output varies
/// with the painting and the photo by tens of levels instead of being flat), reproducible by
/// `seed`; names as in the published file.
std::map<std::string, torch::Tensor> random_microast(int64_t channels, int seed);
/// Writes `random_microast()` to `path` with `architecture=microast` metadata.
void write_random_microast(const std::string& path, int64_t channels = 4, int seed = 1);

/// A smooth random CV_8UC3 image (uniform noise, Gaussian-blurred), reproducible by `seed`.
cv::Mat smooth_noise(int rows, int cols, int seed);

/// Per-channel absolute difference of two CV_8UC3 images of one size, in levels 0..255.
struct PixelDifference {
    double max = 0;   ///< largest over pixels and channels
    double mean = 0;  ///< mean over pixels and channels
};
PixelDifference pixel_difference(const cv::Mat& a, const cv::Mat& b);

/// Writes `bytes` to `path`.
void write_text(const std::string& path, const std::string& bytes);

}  // namespace stylecam::testing

/// Skips the test with a message when `path` does not exist.
#define STYLECAM_REQUIRE_FILE(path)                                                            \
    do {                                                                                       \
        if (!std::filesystem::exists(path)) GTEST_SKIP() << "needs " << (path) << " (absent)"; \
    } while (false)
