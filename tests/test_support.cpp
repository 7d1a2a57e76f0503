#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

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

void write_text(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace stylecam::testing
