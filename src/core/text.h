#pragma once
/// Small text helpers for option and metadata parsing.

#include <cstdint>
#include <string>
#include <vector>

namespace stylecam {

/// Splits at `separator`, dropping empty parts: "a,,b" → {"a", "b"}.
std::vector<std::string> split(const std::string& text, char separator);

/// The whole of `text` as a number; throws `Error` built from `what` ("--scales: 'x' is not a
/// size in pixels") when it is not one.
double parse_number(const std::string& text, const std::string& what);

/// `text` in lower case (ASCII).
std::string to_lower(std::string text);

/// A size for people, in binary units: "640 kB", "1.1 MB", "22.8 GB".
std::string human_bytes(double bytes);

}  // namespace stylecam
