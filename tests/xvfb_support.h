#pragma once
/// Running `stylecam live` in a real window under Xvfb (Mesa llvmpipe) from a test: the same way
/// as gui_live_test.cpp, for the soak and fault tests.

#include "test_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace stylecam::testing {

/// True in a sanitized build (AddressSanitizer): the program runs far below real time there, so
/// a window test's checks of rates, stalls and frames per switch hold only in a normal build;
/// its checks of what happened still hold.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

/// 'text' for sh.
inline std::string shell_quote(const std::string& text) { return "'" + text + "'"; }

/// True when xvfb-run is installed.
inline bool have_xvfb() { return std::system("command -v xvfb-run >/dev/null 2>&1") == 0; }

/// Runs `script` (shell commands where $STYLECAM is the program; any quoting) under xvfb-run
/// with a 1920×1080 screen, from a script file. `exit_code` is the script's own: xvfb-run exits
/// 5 when its temporary folder's cleanup fails (seen with tests in parallel) even though the
/// script's exit code was another.
inline CliResult run_under_xvfb(const std::string& script) {
    static int runs = 0;
    const std::string pid = std::to_string(::getpid());
    const std::string file = (std::filesystem::temp_directory_path() /
                              ("stylecam-xvfb-" + pid + "-" + std::to_string(++runs) + ".sh"))
                                 .string();
    const std::string marker = "stylecam_script_exit=";
    write_text(file, "STYLECAM=" + std::string(STYLECAM_EXE) + "\n(\n" + script + "\n)\necho " +
                         marker + "$?\n");
    // -a picks a free display from -n on; starting from a per-process number keeps two tests run
    // in parallel by ctest from racing for the same one.
    const std::string display = std::to_string(100 + ::getpid() % 800);
    auto result = run_shell("xvfb-run -a -n " + display + " -s '-screen 0 1920x1080x24' sh " +
                            shell_quote(file));
    std::error_code ec;
    std::filesystem::remove(file, ec);
    const auto at = result.out.rfind(marker);
    if (at != std::string::npos) {
        result.exit_code = std::atoi(result.out.c_str() + at + marker.size());
        result.out.erase(at);
    }
    return result;
}

}  // namespace stylecam::testing
