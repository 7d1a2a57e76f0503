#include "core/file_util.h"

#include "core/error.h"
#include "core/text.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace stylecam {
namespace fs = std::filesystem;

std::string read_file_bytes(const std::string& path) {
    std::error_code ec;
    STYLECAM_CHECK(fs::exists(path, ec), path, ": file not found");
    STYLECAM_CHECK(!fs::is_directory(path, ec), path, ": is a folder, expected a file");
    std::ifstream in(path, std::ios::binary);
    STYLECAM_CHECK(in, path, ": cannot open (", std::strerror(errno), ")");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    STYLECAM_CHECK(!in.bad(), path, ": read error");
    return bytes.str();
}

std::string partial_path_for(const std::string& path) {
    const fs::path target(path);
    const std::string name = "." + target.filename().string() + ".partial-" +
                             std::to_string(::getpid()) + target.extension().string();
    return (target.parent_path() / name).string();
}

std::string lower_extension(const std::string& path) {
    return to_lower(fs::path(path).extension().string());
}

void check_parent_writable(const std::string& path) {
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    STYLECAM_CHECK(fs::is_directory(parent, ec), path, ": folder '", parent.string(),
                   "' does not exist");
    STYLECAM_CHECK(::access(parent.c_str(), W_OK) == 0, path, ": folder '", parent.string(),
                   "' is not writable");
}

void write_atomically(const std::string& path,
                      const std::function<void(const std::string&)>& write) {
    check_parent_writable(path);
    const std::string partial = partial_path_for(path);
    try {
        write(partial);
        std::error_code ec;
        fs::rename(partial, path, ec);
        STYLECAM_CHECK(!ec, path, ": cannot write (", ec.message(), ")");
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
}

}  // namespace stylecam
