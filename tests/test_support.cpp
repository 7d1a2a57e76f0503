#include "test_support.h"

#include "nets/microast.h"
#include "nets/state_dict.h"
#include "nets/vgg19_features.h"

#include <sys/wait.h>
#include <unistd.h>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace stylecam::testing {
namespace fs = std::filesystem;

std::string shared_dir() {
    if (const char* env = std::getenv("STYLECAM_SHARED")) return env;
    return STYLECAM_SHARED_DIR;
}

std::string style_weights(const std::string& style) {
    return shared_dir() + "/weights/styles/" + style + ".safetensors";
}

std::string sample_data(const std::string& name) {
    return std::string(STYLECAM_SAMPLE_DATA_DIR) + "/" + name;
}

TempDir::TempDir() {
    std::random_device random;
    root_ = fs::temp_directory_path() /
            ("stylecam-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    fs::create_directories(root_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
}

std::string TempDir::path(const std::string& name) const {
    return name.empty() ? root_.string() : (root_ / name).string();
}

namespace {
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

CliResult run_stylecam(const std::string& arguments) {
    return run_shell(std::string(STYLECAM_EXE) + " " + arguments);
}

CliResult run_shell(const std::string& command_line) {
    TempDir capture;
    const std::string out = capture.path("out.txt"), err = capture.path("err.txt");
    const std::string command = "{ " + command_line + "; } >" + out + " 2>" + err + " </dev/null";
    const int status = std::system(command.c_str());
    CliResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = slurp(out);
    result.err = slurp(err);
    return result;
}

SafeTensors tiny_vgg(const std::string& order, const std::string& range, const std::string& mean,
                     const std::string& std, int convs) {
    torch::manual_seed(1);
    const int channels[] = {64, 64, 128, 128, 256};
    SafeTensors contents;
    for (int i = 0; i < convs; ++i) {
        const int in = i == 0 ? 3 : channels[i - 1];
        const auto prefix = "features." + std::to_string(vgg_feature_index(i));
        contents.tensors[prefix + ".weight"] = torch::randn({channels[i], in, 3, 3}) * 0.1;
        contents.tensors[prefix + ".bias"] = torch::randn({channels[i]}) * 0.01;
    }
    contents.metadata = {{"architecture", "vgg19"},
                         {"input_color_order", order},
                         {"input_range", range},
                         {"input_mean", mean},
                         {"input_std", std}};
    return contents;
}

void write_tiny_vgg(const std::string& path) {
    const auto contents = tiny_vgg();
    write_safetensors(path, contents.tensors, contents.metadata);
}

std::map<std::string, torch::Tensor> random_microast(int64_t channels, int seed) {
    torch::manual_seed(seed);
    MicroAst net(MicroAstOptions().channels(channels));
    torch::NoGradGuard no_grad;
    for (auto& item : net->named_parameters()) {
        auto& p = item.value();
        if (p.dim() == 4)
            p.normal_(0, std::sqrt(2.0 / static_cast<double>(p.size(1) * p.size(2) * p.size(3))));
        else
            p.uniform_(-0.1, 0.1);
    }
    auto tensors = state_dict(*net);
    tensors.at("decoder.dec3.10.conv_layer.weight").mul_(10);
    tensors.at("decoder.dec3.10.conv_layer.bias").fill_(0.5);
    return tensors;
}

void write_random_microast(const std::string& path, int64_t channels, int seed) {
    write_safetensors(path, random_microast(channels, seed),
                      {{"architecture", kMicroAstArchitecture}});
}

cv::Mat smooth_noise(int rows, int cols, int seed) {
    cv::Mat image(rows, cols, CV_8UC3);
    cv::theRNG().state = static_cast<uint64_t>(seed);
    cv::randu(image, 0, 256);
    cv::GaussianBlur(image, image, cv::Size(5, 5), 1.5);
    return image;
}

void write_text(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

PixelDifference pixel_difference(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    double max = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &max);
    const cv::Scalar mean = cv::mean(diff);
    return {max, (mean[0] + mean[1] + mean[2]) / 3};
}

}  // namespace stylecam::testing
