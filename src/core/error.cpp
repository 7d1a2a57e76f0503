#include "core/error.h"

namespace stylecam {

std::string one_line_message(const std::exception& error) {
    std::string message = error.what();
    // LibTorch appends "\nException raised from ..." and a backtrace; keep the first line only.
    const auto newline = message.find('\n');
    if (newline != std::string::npos) message.resize(newline);
    while (!message.empty() && (message.back() == ' ' || message.back() == '\r'))
        message.pop_back();
    return message.empty() ? std::string("unknown error") : message;
}

}  // namespace stylecam
