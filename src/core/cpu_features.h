#pragma once
/// What this CPU does well: the one answer to "which vector instructions and which precision",
/// read from /proc/cpuinfo and narrowed by the ISA caps that oneDNN and ATen honour
/// (`ONEDNN_MAX_CPU_ISA` / `DNNL_MAX_CPU_ISA`, `ATEN_CPU_CAPABILITY`), so that a capped run is
/// classified as the machine it imitates.

#include <string>

namespace stylecam {

/// The classes whose speed differs in kind for our networks.
enum class CpuClass {
    Baseline,    ///< no AVX2 (SSE only): slow everywhere
    Avx2,        ///< AVX2 + FMA, no AVX-512 (most laptops, many cloud VMs): bf16 is emulated
    Avx512,      ///< AVX-512 (F, BW, VL, DQ) without bf16 instructions: bf16 is emulated
    NativeBf16,  ///< AVX512-BF16 or AMX-BF16: bf16 convolutions 1.4–2.3× faster than fp32
};

struct CpuFeatures {
    std::string model_name;  ///< "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz"; may be empty
    bool avx2 = false;       ///< AVX2 and FMA
    bool avx512 = false;     ///< AVX-512 F, BW, VL and DQ (oneDNN's avx512_core)
    bool avx512_bf16 = false;
    bool amx_bf16 = false;
    /// The cap in force, as set in the environment ("ONEDNN_MAX_CPU_ISA=AVX2"); empty if none.
    std::string isa_cap;
    CpuClass cpu_class = CpuClass::Baseline;

    /// bf16 computed in hardware (and not capped away): where bf16 autocast pays.
    bool native_bf16() const { return cpu_class == CpuClass::NativeBf16; }
};

/// Pure: features from the text of /proc/cpuinfo and the cap variables' values (empty = unset).
/// A oneDNN cap below AVX512_CORE_BF16 removes native bf16; below AVX512_CORE, AVX-512; below
/// AVX2, AVX2. `ATEN_CPU_CAPABILITY` avx2 (or default) removes AVX-512 (and bf16) the same way.
CpuFeatures detect_cpu_features(const std::string& cpuinfo, const std::string& onednn_cap,
                                const std::string& aten_cap);

/// This process's CPU, detected once (thread-safe).
const CpuFeatures& cpu_features();

/// "AVX2", "AVX-512", "AVX-512 + native bf16", "baseline (no AVX2)".
std::string to_string(CpuClass cpu_class);

/// One line for logs, `--version` and the live stats: "AVX-512 + native bf16 (Intel(R) Xeon(R)
/// ...)", with " [capped by ONEDNN_MAX_CPU_ISA=AVX2]" when a cap is in force.
std::string describe_cpu(const CpuFeatures& features);

}  // namespace stylecam
