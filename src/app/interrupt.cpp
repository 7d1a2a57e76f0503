#include "app/interrupt.h"

#include <unistd.h>
#include <csignal>
#include <cstdlib>

namespace stylecam {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int signal_number) {
    if (g_interrupted.exchange(true)) _exit(128 + signal_number);  // second signal: leave now
    const char message[] = "\nstylecam: stopping (press Ctrl-C again to quit at once)\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
}

}  // namespace

const std::atomic<bool>& install_interrupt_handler() {
    static const bool installed = [] {
        struct sigaction action {};
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
        return true;
    }();
    (void)installed;
    return g_interrupted;
}

}  // namespace stylecam
