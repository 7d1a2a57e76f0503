#pragma once
/// Replaying the fuzzers' old findings in GoogleTest: every file of
/// tests/fuzz/regressions/<target>/ fed to the target's entry point (fuzz_entry_points.h).

#include <gtest/gtest.h>
#include <stylecam_build_paths.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace stylecam::fuzz {

/// Runs `entry` on every file of tests/fuzz/regressions/<target>; returns how many there were.
/// A crash or an exception other than stylecam::Error fails the calling test.
inline int replay(const std::string& target, void (*entry)(std::string_view)) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(STYLECAM_SOURCE_DIR) / "tests/fuzz/regressions" / target;
    int count = 0;
    if (!fs::is_directory(dir)) return 0;
    for (const auto& file : fs::directory_iterator(dir)) {
        std::ifstream in(file.path(), std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        SCOPED_TRACE(file.path().string());
        entry(bytes.str());
        ++count;
    }
    return count;
}

}  // namespace stylecam::fuzz
