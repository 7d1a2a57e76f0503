#include "core/error.h"

#include <new>

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

bool is_out_of_memory(const std::exception& error) {
    if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) return true;
    const std::string message = one_line_message(error);
    return message.find("can't allocate memory") != std::string::npos ||
           message.find("out of memory") != std::string::npos;
}

}  // namespace stylecam
