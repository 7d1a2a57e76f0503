#pragma once
/// Scalar element access for the hand-written CPU kernels in nets/ that serve float32 and bf16
/// maps with one template: float itself, or bf16 as its raw 16 bits (the upper half of a
/// float32). Written so that the compiler vectorizes the loops that use them.

#include <cstdint>
#include <cstring>

namespace stylecam::bf16_bits {

inline float load(float v) { return v; }
/// bf16 bits → float32 (exact).
inline float load(uint16_t bf16) {
    const uint32_t bits = static_cast<uint32_t>(bf16) << 16;
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}
inline void store(float value, float* target) { *target = value; }
/// float32 → bf16 bits, rounded to nearest even, NaN kept NaN.
inline void store(float value, uint16_t* target) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    *target = static_cast<uint16_t>((bits & 0x7FFFFFFFu) > 0x7F800000u ? 0x7FC0u : rounded);
}

}  // namespace stylecam::bf16_bits
