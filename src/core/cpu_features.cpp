#include "core/cpu_features.h"

#include "core/text.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace stylecam {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

/// The first line of /proc/cpuinfo that starts with `key`, after its colon.
std::string cpuinfo_field(const std::string& cpuinfo, const std::string& key) {
    std::istringstream lines(cpuinfo);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(key, 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const auto begin = line.find_first_not_of(" \t", colon + 1);
        return begin == std::string::npos ? "" : line.substr(begin);
    }
    return "";
}

/// How far a oneDNN ISA name reaches: 0 below AVX2, 1 AVX2, 2 AVX-512 core, 3 bf16 and above.
int onednn_cap_level(const std::string& cap) {
    const std::string isa = to_lower(cap);
    if (isa.empty() || isa == "all") return 3;
    if (isa.find("amx") != std::string::npos || isa.find("bf16") != std::string::npos ||
        isa.find("fp16") != std::string::npos || isa.find("avx10") != std::string::npos)
        return 3;
    if (isa.rfind("avx512", 0) == 0) return 2;
    if (isa.rfind("avx2", 0) == 0) return 1;
    return 0;  // sse41, avx
}

/// The same for ATen's dispatch cap: "avx512" keeps everything, "avx2" stops at AVX2.
int aten_cap_level(const std::string& cap) {
    const std::string isa = to_lower(cap);
    if (isa.empty() || isa.rfind("avx512", 0) == 0) return 3;
    if (isa == "avx2") return 1;
    return 0;  // "default"
}

}  // namespace

CpuFeatures detect_cpu_features(const std::string& cpuinfo, const std::string& onednn_cap,
                                const std::string& aten_cap) {
    std::set<std::string> flags;
    std::istringstream words(cpuinfo_field(cpuinfo, "flags"));
    for (std::string word; words >> word;) flags.insert(word);
    const auto has = [&](const char* flag) { return flags.count(flag) > 0; };

    CpuFeatures features;
    features.model_name = cpuinfo_field(cpuinfo, "model name");
    features.avx2 = has("avx2") && has("fma");
    features.avx512 = has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq");
    features.avx512_bf16 = features.avx512 && has("avx512_bf16");
    features.amx_bf16 = has("amx_bf16");

    int level = features.avx2 ? 1 : 0;
    if (features.avx2 && features.avx512) level = 2;
    if (level == 2 && (features.avx512_bf16 || features.amx_bf16)) level = 3;
    const int cap = std::min(onednn_cap_level(onednn_cap), aten_cap_level(aten_cap));
    if (!onednn_cap.empty()) features.isa_cap = "ONEDNN_MAX_CPU_ISA=" + onednn_cap;
    if (!aten_cap.empty())
        features.isa_cap +=
            (features.isa_cap.empty() ? "" : " ") + std::string("ATEN_CPU_CAPABILITY=") + aten_cap;
    level = std::min(level, cap);
    features.cpu_class = level >= 3   ? CpuClass::NativeBf16
                         : level == 2 ? CpuClass::Avx512
                         : level == 1 ? CpuClass::Avx2
                                      : CpuClass::Baseline;
    return features;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = [] {
        std::ifstream file("/proc/cpuinfo");
        std::ostringstream text;
        text << file.rdbuf();
        std::string onednn = env("ONEDNN_MAX_CPU_ISA");
        if (onednn.empty()) onednn = env("DNNL_MAX_CPU_ISA");
        return detect_cpu_features(text.str(), onednn, env("ATEN_CPU_CAPABILITY"));
    }();
    return features;
}

std::string to_string(CpuClass cpu_class) {
    switch (cpu_class) {
        case CpuClass::Baseline:
            return "baseline (no AVX2)";
        case CpuClass::Avx2:
            return "AVX2";
        case CpuClass::Avx512:
            return "AVX-512";
        case CpuClass::NativeBf16:
            return "AVX-512 + native bf16";
    }
    return "?";
}

std::string describe_cpu(const CpuFeatures& features) {
    std::string text = to_string(features.cpu_class);
    if (!features.model_name.empty()) text += " (" + features.model_name + ")";
    if (!features.isa_cap.empty()) text += " [capped by " + features.isa_cap + "]";
    return text;
}

}  // namespace stylecam
