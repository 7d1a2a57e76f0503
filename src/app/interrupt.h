#pragma once
/// Ctrl-C (SIGINT) and SIGTERM as a flag that long jobs poll, so that they stop cleanly and keep
/// what they have written. A second Ctrl-C ends the process at once.

#include <atomic>

namespace stylecam {

/// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& install_interrupt_handler();

}  // namespace stylecam
