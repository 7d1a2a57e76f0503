#include "core/text.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

#include <cstdio>
#include <sstream>

namespace stylecam {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, separator))
        if (!part.empty()) parts.push_back(part);
    return parts;
}

double parse_number(const std::string& text, const std::string& what) {
    try {
        size_t used = 0;
        const double value = std::stod(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    throw Error(what);
}

std::string human_bytes(double bytes) {
    constexpr double kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
    char text[32];
    if (bytes >= kGiB)
        std::snprintf(text, sizeof text, "%.1f GB", bytes / kGiB);
    else if (bytes >= kMiB)
        std::snprintf(text, sizeof text, "%.1f MB", bytes / kMiB);
    else
        std::snprintf(text, sizeof text, "%.0f kB", bytes / kKiB);
    return text;
}

std::string to_lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace stylecam
