#pragma once
/// Errors: every failure the user can cause is a `stylecam::Error` whose message is one line that
/// names the file or value at fault and the problem. Programs catch it at their boundary, print it
/// and exit non-zero; nothing below `app/` prints or exits.

#include <sstream>
#include <stdexcept>
#include <string>

namespace stylecam {

class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}
}  // namespace detail

/// The first line of any exception's message, with LibTorch's "Exception raised from ..."
/// backtrace stripped: what a user sees for an error we did not anticipate.
std::string one_line_message(const std::exception& error);

/// True when `error` says memory ran out: std::bad_alloc, or an allocator's message on its first
/// line ("can't allocate memory" from LibTorch's CPU allocator, "out of memory" from CUDA's).
/// The backtrace LibTorch appends is not read: its frames name allocator functions in any error.
bool is_out_of_memory(const std::exception& error);

}  // namespace stylecam

/// Throws `stylecam::Error` built from the streamed parts when `condition` is false.
/// Example: STYLECAM_CHECK(n > 0, "--iterations must be positive, got ", n);
#define STYLECAM_CHECK(condition, ...)                                        \
    do {                                                                      \
        if (!(condition)) {                                                   \
            throw ::stylecam::Error(::stylecam::detail::concat(__VA_ARGS__)); \
        }                                                                     \
    } while (false)

/// Throws `stylecam::Error` built from the streamed parts.
#define STYLECAM_FAIL(...) throw ::stylecam::Error(::stylecam::detail::concat(__VA_ARGS__))
