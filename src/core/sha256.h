#pragma once
/// SHA-256 (FIPS 180-4), for recording which file a model was made from.

#include <string>
#include <string_view>

namespace stylecam {

/// The SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace stylecam
